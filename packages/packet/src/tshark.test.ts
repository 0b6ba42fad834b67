// Cross-checks the parser against Wireshark's dissectors: every fixture frame goes into one pcap file,
// tshark dissects it, and each field the parser reports must agree with tshark's reading.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { numberToIpv4 } from "./addr.js";
import {
  badFixtures,
  type Fixture,
  unsupportedFixtures,
  validFixtures,
  vnetFixtures,
} from "./packet.fixtures.js";
import { newPacketInfo, parse } from "./parse.js";
import { writePcap } from "./pcap.js";
import { FrameClass, FrameIssue, MAX_VNET_HDR_LEN, type PacketInfo } from "./types.js";

const TSHARK = "/usr/bin/tshark";
const FIELDS = [
  "frame.protocols",
  "eth.type",
  "vlan.etype",
  "ip.proto",
  "ip.src",
  "ip.dst",
  "ip.len",
  "ip.hdr_len",
  "ip.flags",
  "ip.frag_offset",
  "tcp.srcport",
  "tcp.dstport",
  "tcp.seq",
  "tcp.ack",
  "tcp.len",
  "tcp.hdr_len",
  "udp.srcport",
  "udp.dstport",
  "udp.length",
  "ip.checksum.status",
  "tcp.checksum.status",
  "udp.checksum.status",
  "icmp.checksum.status",
] as const;
type Row = Record<(typeof FIELDS)[number], string>;

// pcap linktype 1 has no place for a virtio-net header: tshark sees the Ethernet frame behind it.
const cases = [...validFixtures, ...unsupportedFixtures, ...badFixtures, ...vnetFixtures]
  .filter((f) => Number.isInteger(f.vnetHdrLen) && f.vnetHdrLen >= 0 && f.vnetHdrLen <= MAX_VNET_HDR_LEN)
  .filter((f) => f.frame.length >= f.vnetHdrLen);

let dir = "";
let rows: Row[] = [];

function ensureTshark(): void {
  if (existsSync(TSHARK)) return;
  const r = spawnSync("bash", ["scripts/setup-system.sh"], {
    cwd: fileURLToPath(new URL("../../..", import.meta.url)),
    stdio: "inherit",
  });
  if (r.status !== 0 || !existsSync(TSHARK))
    throw new Error("tshark missing: run `sudo bash scripts/setup-system.sh`");
}

function dissect(frames: Uint8Array[]): Row[] {
  const file = join(dir, "fixtures.pcap");
  writeFileSync(file, writePcap(frames));
  const prefs = [
    "tcp.relative_sequence_numbers:FALSE",
    "tcp.analyze_sequence_numbers:FALSE",
    "ip.defragment:FALSE",
    "ip.check_checksum:TRUE",
    "tcp.check_checksum:TRUE",
    "udp.check_checksum:TRUE",
  ];
  const opts = prefs.flatMap((p) => ["-o", p]);
  const args = [
    "-r",
    file,
    ...opts,
    "-T",
    "fields",
    "-E",
    "separator=|",
    "-E",
    "occurrence=l",
    ...FIELDS.flatMap((f) => ["-e", f]),
  ];
  const r = spawnSync(TSHARK, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`tshark failed (${r.status}): ${r.stderr}`);
  return r.stdout
    .trimEnd()
    .split("\n")
    .map((line) => Object.fromEntries(line.split("|").map((v, i) => [FIELDS[i], v])) as Row);
}

beforeAll(() => {
  ensureTshark();
  dir = mkdtempSync(join(tmpdir(), "colod-packet-tshark-"));
  rows = dissect(cases.map((f) => f.frame.subarray(f.vnetHdrLen)));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const num = (s: string) => (s.startsWith("0x") ? Number.parseInt(s, 16) : Number(s));

function checkIp(info: PacketInfo, row: Row): void {
  expect(num(row["ip.proto"])).toBe(info.ipProto);
  expect(row["ip.src"]).toBe(numberToIpv4(info.srcAddr));
  expect(row["ip.dst"]).toBe(numberToIpv4(info.dstAddr));
}

function checkParsed(info: PacketInfo, row: Row, protos: string[]): void {
  checkIp(info, row);
  expect(num(row["ip.len"])).toBe(info.ipTotalLen);
  expect(num(row["ip.hdr_len"])).toBe(info.ipHeaderLen);
  expect((num(row["ip.flags"]) << 13) | num(row["ip.frag_offset"])).toBe(info.ipFragWord);
  const payloadLen = info.cmpEnd - info.cmpStart;
  if (info.cls === FrameClass.Tcp) {
    expect(protos).toContain("tcp");
    expect([num(row["tcp.srcport"]), num(row["tcp.dstport"])]).toEqual([info.srcPort, info.dstPort]);
    expect([num(row["tcp.seq"]), num(row["tcp.ack"])]).toEqual([info.tcpSeq, info.tcpAck]);
    expect([num(row["tcp.len"]), num(row["tcp.hdr_len"])]).toEqual([payloadLen, info.tcpHeaderLen]);
  } else if (info.cls === FrameClass.Udp) {
    expect(protos).toContain("udp");
    expect([num(row["udp.srcport"]), num(row["udp.dstport"])]).toEqual([info.srcPort, info.dstPort]);
    expect(num(row["udp.length"])).toBe(payloadLen);
  } else {
    if (info.cls === FrameClass.Icmp) expect(protos).toContain("icmp");
    expect(info.ipTotalLen - info.ipHeaderLen).toBe(payloadLen);
  }
}

function checkUnsupported(info: PacketInfo, row: Row, protos: string[]): void {
  if (info.issue === FrameIssue.Runt) expect(protos).toEqual(["eth"]);
  if (info.issue === FrameIssue.NotIpv4) {
    expect(protos[2]).not.toBe("ip");
    expect(num(row["eth.type"])).toBe(info.etherType);
  }
  if (info.issue === FrameIssue.Vlan) {
    expect(protos.some((p) => p === "vlan" || p === "ieee8021ad")).toBe(true);
    if (info.etherType !== 0) expect(num(row["vlan.etype"])).toBe(info.etherType);
  }
}

describe("tshark agrees with the parser", () => {
  test.each(cases.map((f, i) => [f.name, f, i] as [string, Fixture, number]))("%s", (_n, f, i) => {
    const info = parse(f.frame, f.vnetHdrLen, newPacketInfo());
    const row = rows[i]!;
    expect(row, "tshark printed no line for this frame").toBeDefined();
    const protos = row["frame.protocols"].split(":");
    if (info.cls === FrameClass.Unsupported) checkUnsupported(info, row, protos);
    else if (info.cls === FrameClass.Malformed) {
      // tshark still reads the base header of a malformed datagram when it is there; so do we.
      if (info.srcAddr !== 0 && row["ip.src"] !== "") checkIp(info, row);
    } else checkParsed(info, row, protos);
  });

  test("tshark finds every checksum in the builder's and the hand-written frames good", () => {
    const CHECKSUMS = [
      "ip.checksum.status",
      "tcp.checksum.status",
      "udp.checksum.status",
      "icmp.checksum.status",
    ];
    const bad = new Set(badFixtures);
    let checked = 0;
    cases.forEach((f, i) => {
      if (bad.has(f)) return; // deliberately corrupted
      const mf = (parse(f.frame, f.vnetHdrLen, newPacketInfo()).ipFragWord & 0x2000) !== 0;
      for (const field of CHECKSUMS) {
        const status = rows[i]![field as keyof Row];
        if (status === "") continue;
        // 1 = good; 2 = unverified, which is right for a first fragment's L4 checksum (needs reassembly).
        const want = mf && field !== "ip.checksum.status" ? "2" : "1";
        expect(`${f.name}: ${field}=${status}`).toBe(`${f.name}: ${field}=${want}`);
        checked++;
      }
    });
    expect(checked).toBeGreaterThan(30);
  });

  test("every class and protocol was cross-checked", () => {
    const seen = new Set(cases.map((f) => parse(f.frame, f.vnetHdrLen, newPacketInfo()).cls));
    expect([...seen].sort()).toEqual(Object.values(FrameClass).sort());
    expect(rows.length).toBe(cases.length);
  });
});
