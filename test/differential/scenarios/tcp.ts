// TCP: a byte stream per connection in the primary's sequence space, the ack rule, flags (SPEC 5).
import { TcpFlag } from "@colod/packet";
import type { Scenario } from "../scenario.js";
import { O, P, S, tcp } from "./dsl.js";

const { ACK, SYN, FIN, RST, PSH } = TcpFlag;
const TS_A = Uint8Array.from([1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2]);
const TS_B = Uint8Array.from([1, 1, 8, 10, 0, 0, 9, 9, 0, 0, 0, 3]);

/** TCP scenarios, run with QEMU's default options. */
export const tcpScenarios: Scenario[] = [
  {
    id: "tcp-identical",
    title: "an identical segment is released",
    set: "base",
    steps: [P("a", tcp(1000, "hello")), S("s", tcp(1000, "hello"))],
    expect: O(["a"]),
  },
  {
    id: "tcp-secondary-first",
    title: "the secondary's segment may arrive first",
    set: "base",
    steps: [S("s", tcp(1000, "hello")), P("a", tcp(1000, "hello"))],
    expect: O(["a"]),
  },
  {
    id: "tcp-headers-differ",
    title: "window, timestamps, IP ID and TTL are not compared",
    set: "base",
    steps: [
      P("a", tcp(1000, "payload", { window: 1000, tcpOptions: TS_A, ipId: 1 })),
      S("s", tcp(1000, "payload", { window: 2000, tcpOptions: TS_B, ipId: 2, ttl: 9 })),
    ],
    expect: O(["a"]),
  },
  {
    id: "tcp-payload-differs",
    title: "different bytes at the same position are a divergence",
    set: "base",
    steps: [P("a", tcp(1000, "hello")), S("s", tcp(1000, "jello"))],
    expect: O([], ["a"], 1),
  },
  {
    id: "tcp-split-secondary",
    title: "one primary segment against two secondary ones: released once all bytes match",
    set: "base",
    steps: [P("a", tcp(1000, "ghijkl")), S("s1", tcp(1000, "ghi")), S("s2", tcp(1003, "jkl"))],
    expect: O(["a"]),
  },
  {
    id: "tcp-merged-secondary",
    title: "two primary segments against one secondary one: both released, in order",
    set: "base",
    steps: [P("a", tcp(2000, "mno")), P("b", tcp(2003, "pqr")), S("s", tcp(2000, "mnopqr"))],
    expect: O(["a", "b"]),
  },
  {
    id: "tcp-primary-out-of-order",
    title: "primary segments arriving out of order leave in sequence order",
    set: "base",
    steps: [P("b", tcp(3003, "def")), P("a", tcp(3000, "abc")), S("s", tcp(3000, "abcdef"))],
    expect: O(["a", "b"]),
  },
  {
    id: "tcp-stream",
    title: "a stream of matching segments",
    set: "base",
    steps: [
      P("a", tcp(1000, "one ")),
      S("s1", tcp(1000, "one ")),
      P("b", tcp(1004, "two ")),
      S("s2", tcp(1004, "two ")),
      P("c", tcp(1008, "three")),
      S("s3", tcp(1008, "three")),
    ],
    expect: O(["a", "b", "c"]),
  },
  {
    id: "tcp-retransmission",
    title: "retransmitted bytes already compared are released without comparing again",
    set: "base",
    steps: [
      P("a", tcp(1000, "data")),
      S("s1", tcp(1000, "data")),
      P("a2", tcp(1000, "data", { ipId: 2 })),
      S("s2", tcp(1000, "data", { ipId: 3 })),
    ],
    expect: O(["a", "a2"]),
  },
  {
    id: "tcp-pure-ack",
    title: "pure ACKs after data on both sides",
    set: "base",
    steps: [
      P("a", tcp(1000, "data")),
      S("s1", tcp(1000, "data")),
      P("k", tcp(1004, "", { ack: 600 })),
      S("s2", tcp(1004, "", { ack: 600 })),
    ],
    expect: O(["a", "k"]),
  },
  {
    id: "tcp-ack-catch-up",
    title: "a primary ack ahead of the secondary's is released once the secondary acks as much",
    set: "base",
    steps: [
      P("a", tcp(1000, "abc", { ack: 2000 })),
      S("s1", tcp(1000, "abc", { ack: 1500 })),
      S("s2", tcp(1003, "", { ack: 2000 })),
    ],
    expect: O(["a"]),
  },
  {
    id: "tcp-ack-ahead-identical",
    title: "identical bytes but the primary acks more than the secondary ever did",
    set: "base",
    steps: [P("a", tcp(1000, "abc", { ack: 2000 })), S("s", tcp(1000, "abc", { ack: 1500 }))],
    expect: O(["a"]),
    expectColod: O([], ["a"]),
    qemuDiffers: ["ack-rule"],
  },
  {
    id: "tcp-ack-ahead-split",
    title: "split segments with the primary ack ahead: QEMU requests a checkpoint, SPEC waits",
    set: "base",
    steps: [
      P("a", tcp(1000, "abcdef", { ack: 2000 })),
      S("s1", tcp(1000, "abc", { ack: 1500 })),
      S("s2", tcp(1003, "def", { ack: 1500 })),
    ],
    expect: O([], ["a"], 1),
    expectColod: O([], ["a"]),
    qemuDiffers: ["ack-rule"],
  },
  {
    id: "tcp-maxack",
    title: "secondary acks 1500 then 1400, primary acks 1450: QEMU's last-ack is below it",
    set: "base",
    steps: [
      S("s1", tcp(1000, "abc", { ack: 1500 })),
      S("s2", tcp(1003, "def", { ack: 1400 })),
      P("a", tcp(1000, "abcdef", { ack: 1450 })),
    ],
    expect: O([], ["a"], 1),
    expectColod: O(["a"]),
    qemuDiffers: ["last-ack"],
  },
  {
    id: "tcp-maxack-control",
    title: "secondary acks 1500 and 1500, primary acks 1450: released",
    set: "base",
    steps: [
      S("s1", tcp(1000, "abc", { ack: 1500 })),
      S("s2", tcp(1003, "def", { ack: 1500 })),
      P("a", tcp(1000, "abcdef", { ack: 1450 })),
    ],
    expect: O(["a"]),
  },
  {
    id: "tcp-padded-pure-ack",
    title: "a primary pure ACK padded to 60 bytes against an unpadded one: QEMU sees 6 payload bytes",
    set: "base",
    steps: [
      P("a", tcp(1000, "data")),
      S("s1", tcp(1000, "data")),
      P("k", tcp(1004, "", { padTo: 60 })),
      S("s2", tcp(1004, "")),
    ],
    expect: O(["a"], ["k"]),
    expectColod: O(["a", "k"]),
    qemuDiffers: ["padding"],
  },
  {
    id: "tcp-padded-both",
    title: "the same padding on both sides",
    set: "base",
    steps: [P("a", tcp(1000, "ab", { padTo: 60 })), S("s", tcp(1000, "ab", { padTo: 60 }))],
    expect: O(["a"]),
  },
  {
    id: "tcp-syn",
    title: "a SYN is released when the secondary sends its SYN",
    set: "base",
    steps: [P("a", tcp(100, "", { flags: SYN, ack: 0 })), S("s", tcp(100, "", { flags: SYN, ack: 0 }))],
    expect: O(["a"]),
  },
  {
    id: "tcp-isn-offset",
    title: "different initial sequence numbers on a connection the guest opened",
    set: "base",
    steps: [
      P("syn", tcp(100, "", { flags: SYN, ack: 0 })),
      S("s1", tcp(9000, "", { flags: SYN, ack: 0 })),
      P("d", tcp(101, "abc", { ack: 50 })),
      S("s2", tcp(9001, "abc", { ack: 50 })),
    ],
    expect: O(["syn", "d"]),
  },
  {
    id: "tcp-fin",
    title: "a FIN after data is released when the secondary sends the same FIN",
    set: "base",
    steps: [
      P("a", tcp(1000, "bye")),
      S("s1", tcp(1000, "bye")),
      P("f", tcp(1003, "", { flags: FIN | ACK })),
      S("s2", tcp(1003, "", { flags: FIN | ACK })),
    ],
    expect: O(["a", "f"]),
  },
  {
    id: "tcp-fin-with-data",
    title: "data carried on a FIN segment",
    set: "base",
    steps: [
      P("a", tcp(1000, "last", { flags: FIN | ACK | PSH })),
      S("s", tcp(1000, "last", { flags: FIN | ACK | PSH })),
    ],
    expect: O(["a"]),
  },
  {
    id: "tcp-rst",
    title: "a RST is released when the secondary sends the same RST",
    set: "base",
    steps: [P("a", tcp(1000, "", { flags: RST, ack: 0 })), S("s", tcp(1000, "", { flags: RST, ack: 0 }))],
    expect: O(["a"]),
  },
];
