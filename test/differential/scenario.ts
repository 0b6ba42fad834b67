// What a differential scenario is: data (frames described by their fields, notify messages, waits) run through
// QEMU 7.2's colo-compare, through @colod/compare and through the colod process, and the outcome each must produce.
import {
  type ArpSpec,
  buildArp,
  buildFrame,
  buildIpv6Udp,
  type FrameSpec,
  type Ipv6UdpSpec,
} from "@colod/packet";
import type { ColoCompareOptions } from "../harness/qemu.js";

/** How a step's frame is built: an IPv4 FrameSpec (buildFrame), an ARP or IPv6 frame, or raw bytes. */
export type FrameDesc = FrameSpec | { arp: ArpSpec } | { ipv6: Ipv6UdpSpec } | { raw: Uint8Array };

/** Messages the COLO frame sends to the comparator. */
export type NotifyIn = "COLO_CHECKPOINT" | "COLO_USERSPACE_PROXY_INIT";

/** One step: a frame on the primary ("p") or secondary ("s") input, a notify message, or a pause. */
export type Step =
  | {
      side: "p" | "s";
      /** Names the frame in outcomes (primary labels must be unique within a scenario). */
      label: string;
      frame: FrameDesc;
      /** The vnet_hdr_len word; default the vnet header length the frame was built with. */
      vnetWord?: number;
    }
  /** Bytes written as they are, framing included (a zero-length frame). */
  | { to: "p" | "s"; wire: Uint8Array }
  | { notify: NotifyIn }
  | { wait: number };

/** The colo-compare settings a scenario runs under; one QEMU (and one colod process) per set. All use notify_dev. */
export const OPTION_SETS = {
  /** QEMU defaults: compare_timeout 3000 ms, so no timer request fires within a scenario. */
  base: {},
  /** max_queue_size=2 for the queue-limit scenarios. */
  queue2: { maxQueueSize: 2 },
  /** vnet_hdr_support=on. */
  vnet: { vnetHdr: true },
  /** A short timeout and scan cycle for the timer scenarios. */
  timer: { compareTimeoutMs: 300, expiredScanCycleMs: 100 },
  /** A QEMU of its own: the zero-length frame kills it. */
  zerolen: {},
  /** A QEMU of its own: a fresh connection table for the 16385-connection wipe. */
  wipe: {},
} as const satisfies Record<string, Omit<ColoCompareOptions, "notify" | "binary">>;
/** The name of an option set. */
export type OptionSet = keyof typeof OPTION_SETS;
/** The colo-compare settings an option set may give. */
export type SetOptions = Omit<ColoCompareOptions, "notify" | "binary" | "maxLifetimeS">;

/** The settings of an option set, every property optional. */
export function setOptions(set: OptionSet): SetOptions {
  return OPTION_SETS[set];
}

/** What comes out. Frames are named by step labels; any other output shows up as "?<hex>". */
export interface Outcome {
  /** Primary frames released before the final COLO_CHECKPOINT, in order. */
  out: string[];
  /** Primary frames released by the final COLO_CHECKPOINT, in order. */
  flushed: string[];
  /**
   * DO_CHECKPOINT requests on notify_dev: an exact count (QEMU sends one per divergence; colod coalesces them,
   * SPEC 6, so it must send between 1 and that many), or "repeated" (the timer: at least 2 from QEMU, 1+ from colod).
   */
  checkpoints: number | "repeated";
  /** COLO_COMPARE_GET_XEN_INIT replies (default 0). */
  replies?: number;
  /** QEMU exits (the zero-length-frame assertion). */
  aborts?: boolean;
}

/** A scripted scenario. */
export interface Scenario {
  id: string;
  title: string;
  set: OptionSet;
  steps: Step[];
  /** QEMU 7.2's outcome, which colod must match too unless expectColod is given. */
  expect: Outcome;
  /** colod's outcome (engine and process) where SPEC deliberately differs from QEMU. */
  expectColod?: Outcome;
  /** Ids of the entries in docs/qemu-differences.md that explain expectColod. */
  qemuDiffers?: string[];
}

/** A frame step with its bytes built. */
export interface BuiltFrame {
  side: "p" | "s";
  label: string;
  bytes: Uint8Array;
  vnetWord: number;
}

/** A scenario's steps with frames built. */
export type BuiltStep =
  | BuiltFrame
  | { to: "p" | "s"; wire: Uint8Array }
  | { notify: NotifyIn }
  | { wait: number };

/** Builds the bytes of a frame; IPv4 frames get `src` (the scenario's own address) unless they set one. */
export function buildDesc(desc: FrameDesc, src: string): Uint8Array {
  if ("raw" in desc) return desc.raw;
  if ("arp" in desc) return buildArp(desc.arp);
  if ("ipv6" in desc) return buildIpv6Udp(desc.ipv6);
  return buildFrame({ src, ...desc });
}

function vnetLenOf(desc: FrameDesc): number {
  const spec = "arp" in desc ? desc.arp : "ipv6" in desc ? desc.ipv6 : "raw" in desc ? {} : desc;
  return spec.vnetHdrLen ?? spec.vnetHdr?.length ?? 0;
}

/**
 * Builds every frame. `index` picks the scenario's own source address 10.99.<hi>.<lo>, so scenarios sharing
 * one QEMU never share a connection (QEMU keeps per-connection state across checkpoints).
 */
export function buildSteps(sc: Scenario, index: number): BuiltStep[] {
  const src = `10.99.${(index >> 8) & 0xff}.${index & 0xff}`;
  return sc.steps.map((st) => {
    if (!("side" in st)) return st;
    return {
      side: st.side,
      label: st.label,
      bytes: buildDesc(st.frame, src),
      vnetWord: st.vnetWord ?? vnetLenOf(st.frame),
    };
  });
}

/** A frame seen on outdev. */
export interface SeenFrame {
  payload: Uint8Array;
  vnetHdrLen: number;
}

/** What a run produced. */
export interface Observed {
  out: SeenFrame[];
  flushed: SeenFrame[];
  /** Notify messages in order ("DO_CHECKPOINT", "COLO_COMPARE_GET_XEN_INIT", or "?<hex>"). */
  notify: string[];
  aborted: boolean;
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
}

/** Names observed frames by the primary step that sent exactly those bytes with that vnet word. */
export function labeler(steps: BuiltStep[]): (f: SeenFrame) => string {
  const byBytes = new Map<string, string>();
  for (const st of steps) {
    if ("side" in st && st.side === "p") byBytes.set(`${st.vnetWord}:${hex(st.bytes)}`, st.label);
  }
  return (f) =>
    byBytes.get(`${f.vnetHdrLen}:${hex(f.payload)}`) ?? `?${f.vnetHdrLen}:${hex(f.payload).slice(0, 80)}`;
}

/** An observed run in Outcome terms, with the raw checkpoint count. */
export interface Summary {
  out: string[];
  flushed: string[];
  checkpoints: number;
  replies: number;
  other: string[];
  aborts: boolean;
}

/** Summarises a run against its scenario's steps. */
export function summarize(steps: BuiltStep[], obs: Observed): Summary {
  const name = labeler(steps);
  return {
    out: obs.out.map(name),
    flushed: obs.flushed.map(name),
    checkpoints: obs.notify.filter((m) => m === "DO_CHECKPOINT").length,
    replies: obs.notify.filter((m) => m === "COLO_COMPARE_GET_XEN_INIT").length,
    other: obs.notify.filter((m) => m !== "DO_CHECKPOINT" && m !== "COLO_COMPARE_GET_XEN_INIT"),
    aborts: obs.aborted,
  };
}

/** Checks the scenario data itself: unique primary labels and bytes, outcome labels that exist. */
export function validateScenario(sc: Scenario, steps: BuiltStep[]): string[] {
  const problems: string[] = [];
  const labels = new Set<string>();
  const bytes = new Set<string>();
  for (const st of steps) {
    if (!("side" in st) || st.side !== "p") continue;
    if (labels.has(st.label)) problems.push(`${sc.id}: primary label ${st.label} used twice`);
    const key = `${st.vnetWord}:${hex(st.bytes)}`;
    if (bytes.has(key))
      problems.push(`${sc.id}: primary frame ${st.label} has the same bytes as another one`);
    labels.add(st.label);
    bytes.add(key);
  }
  for (const o of [sc.expect, sc.expectColod]) {
    for (const l of [...(o?.out ?? []), ...(o?.flushed ?? [])]) {
      if (!labels.has(l)) problems.push(`${sc.id}: outcome names ${l}, which is no primary step`);
    }
  }
  if (sc.expectColod && !sc.qemuDiffers?.length) problems.push(`${sc.id}: expectColod without qemuDiffers`);
  return problems;
}
