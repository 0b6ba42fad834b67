// Queue limits (max_queue_size=2), vnet headers (vnet_hdr_support=on), the timer, notify and a zero-length frame.
import type { Scenario } from "../scenario.js";
import { icmp, N, O, P, S, tcp, udp, W } from "./dsl.js";

const hdr = (len: number, fill: number) => new Uint8Array(len).fill(fill);
const VNET_A = hdr(12, 0xa1);
const VNET_B = hdr(12, 0xb2);

/** max_queue_size=2: QEMU holds max+1 per side and drops silently; SPEC holds exactly max and requests. */
export const queueScenarios: Scenario[] = [
  {
    id: "queue-primary-overflow",
    title: "five held primary UDP frames with max_queue_size=2",
    set: "queue2",
    steps: [P("u1", udp("1")), P("u2", udp("2")), P("u3", udp("3")), P("u4", udp("4")), P("u5", udp("5"))],
    expect: O([], ["u3", "u2", "u1"]),
    expectColod: O([], ["u1", "u2"], 1),
    qemuDiffers: ["queue-capacity", "lifo-flush"],
  },
  {
    id: "queue-secondary-overflow",
    title: "five held secondary UDP frames with max_queue_size=2, then the first primary",
    set: "queue2",
    steps: [
      S("s1", udp("1")),
      S("s2", udp("2")),
      S("s3", udp("3")),
      S("s4", udp("4")),
      S("s5", udp("5")),
      P("u1", udp("1")),
    ],
    expect: O(["u1"]),
    expectColod: O(["u1"], [], 1),
    qemuDiffers: ["queue-capacity"],
  },
  {
    id: "queue-within-limit",
    title: "interleaved pairs never fill the queues",
    set: "queue2",
    steps: [
      P("u1", udp("1")),
      S("s1", udp("1")),
      P("u2", udp("2")),
      S("s2", udp("2")),
      P("u3", udp("3")),
      S("s3", udp("3")),
      P("u4", udp("4")),
      S("s4", udp("4")),
    ],
    expect: O(["u1", "u2", "u3", "u4"]),
  },
  {
    id: "queue-tcp-overflow",
    title: "four held primary TCP segments with max_queue_size=2",
    set: "queue2",
    steps: [
      P("t1", tcp(1000, "aaa")),
      P("t2", tcp(1003, "bbb")),
      P("t3", tcp(1006, "ccc")),
      P("t4", tcp(1009, "ddd")),
    ],
    expect: O([], ["t1", "t2", "t3"]),
    expectColod: O([], ["t1", "t2"], 1),
    qemuDiffers: ["queue-capacity"],
  },
];

/** vnet_hdr_support=on: the vnet header travels in front of the frame and is never compared. */
export const vnetScenarios: Scenario[] = [
  {
    id: "vnet-udp-identical",
    title: "identical UDP with identical 12-byte vnet headers",
    set: "vnet",
    steps: [P("a", udp("vnet", { vnetHdr: VNET_A })), S("s", udp("vnet", { vnetHdr: VNET_A }))],
    expect: O(["a"]),
  },
  {
    id: "vnet-header-bytes-differ",
    title: "vnet header bytes are not compared",
    set: "vnet",
    steps: [P("a", udp("vnet2", { vnetHdr: VNET_A })), S("s", udp("vnet2", { vnetHdr: VNET_B }))],
    expect: O(["a"]),
  },
  {
    id: "vnet-payload-differs",
    title: "different payloads behind vnet headers are a divergence",
    set: "vnet",
    steps: [P("a", udp("left", { vnetHdr: VNET_A })), S("s", udp("rght", { vnetHdr: VNET_A }))],
    expect: O([], ["a"], 1),
  },
  {
    id: "vnet-tcp-identical",
    title: "identical TCP behind vnet headers",
    set: "vnet",
    steps: [
      P("a", tcp(1000, "vnet tcp", { vnetHdr: VNET_A })),
      S("s", tcp(1000, "vnet tcp", { vnetHdr: VNET_B })),
    ],
    expect: O(["a"]),
  },
  {
    id: "vnet-length-differs",
    title: "vnet_hdr_len 0 against 12 for the same frame: QEMU compares sizes that include the header",
    set: "vnet",
    steps: [P("a", udp("len", { vnetHdrLen: 0 })), S("s", udp("len", { vnetHdr: VNET_A }))],
    expect: O([], ["a"], 1),
    expectColod: O(["a"]),
    qemuDiffers: ["vnet-size"],
  },
  {
    id: "vnet-header-20",
    title: "a 20-byte vnet header (the largest supported)",
    set: "vnet",
    steps: [P("a", udp("twenty", { vnetHdr: hdr(20, 3) })), S("s", udp("twenty", { vnetHdr: hdr(20, 3) }))],
    expect: O(["a"]),
  },
  {
    id: "vnet-header-21-primary",
    title: "a 21-byte vnet header makes the primary frame unsupported: it leaves at once, word kept",
    set: "vnet",
    steps: [P("a", udp("too long", { vnetHdr: hdr(21, 4) }))],
    expect: O(["a"]),
  },
  {
    id: "vnet-header-100-primary",
    title: "vnet_hdr_len 100: unsupported, leaves at once with the word 100",
    set: "vnet",
    steps: [P("a", udp("hundred", { vnetHdr: hdr(100, 5) }))],
    expect: O(["a"]),
  },
  {
    id: "vnet-header-100-secondary",
    title: "vnet_hdr_len 100 on the secondary: dropped",
    set: "vnet",
    steps: [S("x", udp("hundred", { vnetHdr: hdr(100, 5) })), P("a", udp("hundred", { vnetHdr: VNET_A }))],
    expect: O([], ["a"]),
  },
  {
    id: "vnet-arp-primary",
    title: "a primary ARP frame behind a vnet header leaves at once",
    set: "vnet",
    steps: [P("a", { arp: { vnetHdr: VNET_A } })],
    expect: O(["a"]),
  },
  {
    id: "vnet-icmp-identical",
    title: "identical ICMP behind different vnet header bytes",
    set: "vnet",
    steps: [P("a", icmp("ping", { vnetHdr: VNET_A })), S("s", icmp("ping", { vnetHdr: VNET_B, ipId: 4 }))],
    expect: O(["a"]),
  },
  {
    id: "vnet-proxy-init",
    title: "PROXY_INIT with the vnet word is answered",
    set: "vnet",
    steps: [N("COLO_USERSPACE_PROXY_INIT")],
    expect: O([], [], 0, { replies: 1 }),
  },
];

/** compare_timeout=300 ms, expired_scan_cycle=100 ms. */
export const timerScenarios: Scenario[] = [
  {
    id: "timeout-primary",
    title: "a primary frame held past compare_timeout: requests every scan until the checkpoint",
    set: "timer",
    steps: [P("a", udp("alone")), W(700)],
    expect: O([], ["a"], "repeated"),
  },
  {
    id: "timeout-secondary",
    title: "a secondary frame held past compare_timeout also requests checkpoints",
    set: "timer",
    steps: [S("x", udp("alone")), W(700)],
    expect: O([], [], "repeated"),
  },
  {
    id: "timeout-not-yet",
    title: "no request before compare_timeout",
    set: "timer",
    steps: [P("a", udp("young")), W(50)],
    expect: O([], ["a"], 0),
  },
  {
    id: "timeout-matched",
    title: "matched frames are not held, so nothing times out",
    set: "timer",
    steps: [P("a", udp("pair")), S("s", udp("pair")), W(500)],
    expect: O(["a"], [], 0),
  },
  {
    id: "timeout-pure-ack-fresh",
    title: "a pure ACK on a fresh connection waits, times out, and leaves at the checkpoint",
    set: "timer",
    steps: [P("k", tcp(1000, "", { ack: 1 })), W(700)],
    expect: O([], ["k"], "repeated"),
  },
  {
    id: "timeout-then-checkpoint",
    title: "COLO_CHECKPOINT after a timeout releases the frame",
    set: "timer",
    steps: [P("a", udp("late")), W(600), N("COLO_CHECKPOINT")],
    expect: O(["a"], [], "repeated"),
  },
];

/** notify_dev handshake, default options. */
export const notifyScenarios: Scenario[] = [
  {
    id: "proxy-init",
    title: "COLO_USERSPACE_PROXY_INIT is answered with COLO_COMPARE_GET_XEN_INIT",
    set: "base",
    steps: [N("COLO_USERSPACE_PROXY_INIT")],
    expect: O([], [], 0, { replies: 1 }),
  },
  {
    id: "checkpoint-empty",
    title: "a checkpoint with nothing held releases nothing",
    set: "base",
    steps: [N("COLO_CHECKPOINT")],
    expect: O([]),
  },
];

/** A QEMU of its own: QEMU asserts on a zero-length frame; SPEC ignores and counts it. */
export const zeroLengthScenarios: Scenario[] = [
  {
    id: "zero-length-frame",
    title: "a zero-length frame on primary_in, then an identical pair",
    set: "zerolen",
    steps: [
      { to: "p", wire: Uint8Array.from([0, 0, 0, 0]) },
      P("a", udp("after zero")),
      S("s", udp("after zero")),
    ],
    expect: O([], [], 0, { aborts: true }),
    expectColod: O(["a"]),
    qemuDiffers: ["zero-length"],
  },
];

/** QEMU's connection table holds 16385 connections; the next new one wipes them all (HASHTABLE_MAX_SIZE). */
const WIPE_AT = 16386;
/** colod's default connection table size (SPEC 4: 16384). */
const COLOD_TABLE = 16384;
const wipeLabels = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `c${from + i}`);

/** A fresh QEMU: one held UDP frame on each of 16386 connections. */
export const tableScenarios: Scenario[] = [
  {
    id: "table-wipe",
    title: "16386 connections with a held primary frame each: QEMU wipes the table, held frames lost",
    set: "wipe",
    steps: [...wipeLabels(0, WIPE_AT).map((l, i) => P(l, udp("w", { sport: 1 + i }))), W(500)],
    expect: O([], wipeLabels(WIPE_AT - 1, WIPE_AT)),
    expectColod: O([], wipeLabels(0, COLOD_TABLE), 1),
    qemuDiffers: ["table-wipe"],
  },
];
