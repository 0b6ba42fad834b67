// Passthrough rules: QEMU's never-merged IPFlowSpec proposal as the QMP argument shape, normalised to numbers
// so the pipeline matches them without strings.
import { QmpCommandError } from "./errors.js";

/** A normalised rule; an absent member matches anything. Addresses are IPv4 as u32 numbers (a.b.c.d = a<<24...). */
export interface PassthroughRule {
  /** IP protocol number (6 TCP, 17 UDP, 1 ICMP). */
  protocol?: number;
  srcAddr?: number;
  srcPort?: number;
  dstAddr?: number;
  dstPort?: number;
}

/** A rule with the id colod-passthrough-add returned. */
export interface PassthroughEntry {
  id: number;
  rule: PassthroughRule;
}

/** One side of a flow in QMP form (QEMU's InetSocketAddressBase with both members optional). */
export interface FlowEndpointSpec {
  host?: string;
  port?: number;
}

/** The QMP form of a rule (QEMU's proposed IPFlowSpec without object-name). */
export interface FlowSpec {
  protocol?: string;
  source?: FlowEndpointSpec;
  destination?: FlowEndpointSpec;
}

const PROTOCOLS: Readonly<Record<string, number>> = { icmp: 1, tcp: 6, udp: 17 };
const NAMES: Readonly<Record<number, string>> = { 1: "icmp", 6: "tcp", 17: "udp" };

/** Whether a flow matches `rule` (ports are 0 for protocols without ports). */
export function matchesPassthrough(
  rule: PassthroughRule,
  protocol: number,
  srcAddr: number,
  srcPort: number,
  dstAddr: number,
  dstPort: number,
): boolean {
  return (
    (rule.protocol === undefined || rule.protocol === protocol) &&
    (rule.srcAddr === undefined || rule.srcAddr === srcAddr) &&
    (rule.srcPort === undefined || rule.srcPort === srcPort) &&
    (rule.dstAddr === undefined || rule.dstAddr === dstAddr) &&
    (rule.dstPort === undefined || rule.dstPort === dstPort)
  );
}

/** Parses the QMP arguments of colod-passthrough-add; throws QmpCommandError naming the bad member. */
export function parseFlowSpec(args: Record<string, unknown>): PassthroughRule {
  const rule: PassthroughRule = {};
  if (args.protocol !== undefined) rule.protocol = parseProtocol(args.protocol);
  const src = args.source as Record<string, unknown> | undefined;
  const dst = args.destination as Record<string, unknown> | undefined;
  if (src?.host !== undefined) rule.srcAddr = parseIpv4(src.host, "source.host");
  if (src?.port !== undefined) rule.srcPort = parsePort(src.port, "source.port");
  if (dst?.host !== undefined) rule.dstAddr = parseIpv4(dst.host, "destination.host");
  if (dst?.port !== undefined) rule.dstPort = parsePort(dst.port, "destination.port");
  return rule;
}

/** The QMP form of a rule, as colod-passthrough-list shows it. */
export function formatFlowSpec(rule: PassthroughRule): FlowSpec {
  const spec: FlowSpec = {};
  if (rule.protocol !== undefined) spec.protocol = NAMES[rule.protocol] ?? String(rule.protocol);
  const source = endpoint(rule.srcAddr, rule.srcPort);
  const destination = endpoint(rule.dstAddr, rule.dstPort);
  if (source) spec.source = source;
  if (destination) spec.destination = destination;
  return spec;
}

/** a.b.c.d for a u32 address. */
export function formatIpv4(addr: number): string {
  return `${addr >>> 24}.${(addr >>> 16) & 255}.${(addr >>> 8) & 255}.${addr & 255}`;
}

function endpoint(addr: number | undefined, port: number | undefined): FlowEndpointSpec | undefined {
  if (addr === undefined && port === undefined) return undefined;
  const e: FlowEndpointSpec = {};
  if (addr !== undefined) e.host = formatIpv4(addr);
  if (port !== undefined) e.port = port;
  return e;
}

function parseProtocol(v: unknown): number {
  if (typeof v === "string" && Object.hasOwn(PROTOCOLS, v.toLowerCase()))
    return PROTOCOLS[v.toLowerCase()] as number;
  const n = typeof v === "string" && /^\d+$/.test(v) ? Number(v) : v;
  if (Number.isInteger(n) && (n as number) >= 0 && (n as number) <= 255) return n as number;
  throw new QmpCommandError(`Parameter 'protocol' expects tcp, udp, icmp or a protocol number 0-255`);
}

function parseIpv4(v: unknown, name: string): number {
  const parts = typeof v === "string" ? v.split(".") : [];
  if (parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) {
    return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
  }
  throw new QmpCommandError(`Parameter '${name}' expects an IPv4 address a.b.c.d`);
}

function parsePort(v: unknown, name: string): number {
  const n = typeof v === "string" && /^\d+$/.test(v) ? Number(v) : v;
  if (Number.isInteger(n) && (n as number) >= 0 && (n as number) <= 65535) return n as number;
  throw new QmpCommandError(`Parameter '${name}' expects a port number 0-65535`);
}
