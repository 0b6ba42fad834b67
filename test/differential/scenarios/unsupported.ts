// Frames colo-compare does not compare (SPEC 4): released at once from the primary, dropped from the secondary.
import type { Scenario } from "../scenario.js";
import { O, P, S, udp } from "./dsl.js";

const RUNT = Uint8Array.from([0x52, 0x54, 0, 0, 0, 2, 0x52, 0x54, 0, 0, 0, 1]);

/** Unsupported-frame scenarios, run with QEMU's default options. */
export const unsupportedScenarios: Scenario[] = [
  {
    id: "arp-primary",
    title: "a primary ARP frame leaves at once",
    set: "base",
    steps: [P("a", { arp: { senderIp: "10.0.0.1", targetIp: "10.0.0.9" } })],
    expect: O(["a"]),
  },
  {
    id: "arp-secondary",
    title: "a secondary ARP frame is dropped and never matches anything",
    set: "base",
    steps: [S("x", { arp: {} }), P("a", udp("after arp"))],
    expect: O([], ["a"]),
  },
  {
    id: "ipv6-primary",
    title: "a primary IPv6 frame leaves at once",
    set: "base",
    steps: [P("a", { ipv6: { payload: "v6" } })],
    expect: O(["a"]),
  },
  {
    id: "ipv6-secondary",
    title: "a secondary IPv6 frame is dropped",
    set: "base",
    steps: [S("x", { ipv6: { payload: "v6" } }), P("a", udp("after v6"))],
    expect: O([], ["a"]),
  },
  {
    id: "vlan-primary",
    title: "a VLAN-tagged primary frame leaves at once",
    set: "base",
    steps: [P("a", udp("tagged", { vlan: 5 }))],
    expect: O(["a"]),
  },
  {
    id: "vlan-secondary",
    title: "a VLAN-tagged secondary frame is dropped, so its untagged primary twin is held",
    set: "base",
    steps: [S("x", udp("tagged", { vlan: 5 })), P("a", udp("tagged"))],
    expect: O([], ["a"]),
  },
  {
    id: "runt-primary",
    title: "a 12-byte primary frame leaves at once",
    set: "base",
    steps: [P("a", { raw: RUNT })],
    expect: O(["a"]),
  },
  {
    id: "runt-secondary",
    title: "a 12-byte secondary frame is dropped",
    set: "base",
    steps: [S("x", { raw: RUNT }), P("a", udp("after runt"))],
    expect: O([], ["a"]),
  },
  {
    id: "unsupported-overtakes-held",
    title: "an unsupported primary frame does not wait behind held frames",
    set: "base",
    steps: [P("a", udp("held")), P("b", { arp: { op: 2 } }), S("s", udp("held"))],
    expect: O(["b", "a"]),
  },
];
