import { ipv4ToNumber, type PacketInfo } from "@colod/packet";
import { CompareOptionError } from "./errors.js";

/**
 * A flow that is not compared (SPEC 5): primary frames leave at once, secondary ones are dropped. Every field is
 * optional; an absent field matches anything. Addresses match with an optional prefix length (default 32).
 * @example cmp.addPassthrough({ proto: "tcp", dstPort: 3389 })
 */
export interface PassthroughRule {
  /** "tcp", "udp", "icmp" or an IP protocol number. */
  proto?: "tcp" | "udp" | "icmp" | number;
  /** Dotted-quad text or an unsigned 32-bit number. */
  srcAddr?: string | number;
  srcPrefix?: number;
  dstAddr?: string | number;
  dstPrefix?: number;
  srcPort?: number;
  dstPort?: number;
}

/** A rule as listed back, with its id and the numbers it matches on. */
export interface PassthroughEntry {
  readonly id: number;
  readonly rule: Readonly<PassthroughRule>;
}

const PROTO_NUMBERS = { icmp: 1, tcp: 6, udp: 17 } as const;
const ANY = -1;

/** A compiled rule: numbers only, -1 for a wildcard, so matching is integer compares. */
class Compiled {
  constructor(
    readonly id: number,
    readonly rule: Readonly<PassthroughRule>,
    readonly proto: number,
    readonly src: number,
    readonly srcMask: number,
    readonly dst: number,
    readonly dstMask: number,
    readonly srcPort: number,
    readonly dstPort: number,
  ) {}

  matches(info: PacketInfo): boolean {
    return (
      (this.proto === ANY || this.proto === info.ipProto) &&
      (this.srcMask === 0 || (info.srcAddr & this.srcMask) >>> 0 === this.src) &&
      (this.dstMask === 0 || (info.dstAddr & this.dstMask) >>> 0 === this.dst) &&
      (this.srcPort === ANY || this.srcPort === info.srcPort) &&
      (this.dstPort === ANY || this.dstPort === info.dstPort)
    );
  }
}

function intIn(name: string, v: number | undefined, max: number): number {
  if (v === undefined) return ANY;
  if (!Number.isInteger(v) || v < 0 || v > max) {
    throw new CompareOptionError(`passthrough rule ${name} must be an integer 0..${max}, got ${String(v)}`);
  }
  return v;
}

function addrOf(name: string, v: string | number | undefined): number {
  if (v === undefined || typeof v === "number") return intIn(name, v, 0xffffffff);
  try {
    return ipv4ToNumber(v);
  } catch (cause) {
    throw new CompareOptionError(`passthrough rule ${name} "${v}" is not a dotted-quad IPv4 address`, {
      cause,
    });
  }
}

function maskOf(name: string, addr: number, prefix: number | undefined): number {
  if (addr === ANY) return 0;
  const p = intIn(name, prefix ?? 32, 32);
  return p === 0 ? 0 : (0xffffffff << (32 - p)) >>> 0;
}

function protoOf(p: PassthroughRule["proto"]): number {
  if (typeof p === "string") {
    const n = PROTO_NUMBERS[p];
    if (n === undefined)
      throw new CompareOptionError(`passthrough rule proto "${p}" must be tcp, udp, icmp or a number`);
    return n;
  }
  return intIn("proto", p, 255);
}

/** The run-time list of passthrough rules; an empty list costs one length check per frame. */
export class PassthroughList {
  private rules: Compiled[] = [];
  private nextId = 1;

  /** Adds a rule and returns its id (for `remove`); throws CompareOptionError on a bad field. */
  add(rule: PassthroughRule): number {
    const proto = protoOf(rule.proto);
    const src = addrOf("srcAddr", rule.srcAddr);
    const dst = addrOf("dstAddr", rule.dstAddr);
    const srcMask = maskOf("srcPrefix", src, rule.srcPrefix);
    const dstMask = maskOf("dstPrefix", dst, rule.dstPrefix);
    const srcPort = intIn("srcPort", rule.srcPort, 0xffff);
    const dstPort = intIn("dstPort", rule.dstPort, 0xffff);
    const id = this.nextId++;
    const frozen = Object.freeze({ ...rule });
    const c = new Compiled(
      id,
      frozen,
      proto,
      (src & srcMask) >>> 0,
      srcMask,
      (dst & dstMask) >>> 0,
      dstMask,
      srcPort,
      dstPort,
    );
    this.rules = [...this.rules, c];
    return id;
  }

  /** Removes a rule; false when no rule has that id. */
  remove(id: number): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length !== before;
  }

  /** The rules in the order they were added. */
  list(): PassthroughEntry[] {
    return this.rules.map((r) => ({ id: r.id, rule: r.rule }));
  }

  /** True when a rule matches the parsed frame. */
  matches(info: PacketInfo): boolean {
    const rules = this.rules;
    for (let i = 0; i < rules.length; i++) if (rules[i]!.matches(info)) return true;
    return false;
  }
}
