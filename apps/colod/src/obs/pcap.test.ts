import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readPcap } from "@colod/packet";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { PcapWriteError } from "./errors.js";
import { DivergencePcap } from "./pcap.js";

const TSHARK = "/usr/bin/tshark";

/** Ethernet + IPv4 + UDP; `id` goes into the IP ID so tshark output tells frames apart. */
function udpFrame(id: number, src: string, dst: string, dport: number, payload: string): Uint8Array {
  const data = new TextEncoder().encode(payload);
  const f = new Uint8Array(14 + 20 + 8 + data.length);
  const v = new DataView(f.buffer);
  f.set([0x52, 0x54, 0, 0, 0, 2], 0); // dst MAC
  f.set([0x52, 0x54, 0, 0, 0, 1], 6); // src MAC
  v.setUint16(12, 0x0800); // EtherType IPv4
  f[14] = 0x45; // version 4, IHL 5
  v.setUint16(16, 20 + 8 + data.length); // total length
  v.setUint16(18, id); // IP ID
  f[22] = 64; // TTL
  f[23] = 17; // UDP
  f.set(src.split(".").map(Number), 26);
  f.set(dst.split(".").map(Number), 30);
  v.setUint16(34, 40000); // source port
  v.setUint16(36, dport); // destination port
  v.setUint16(38, 8 + data.length); // UDP length
  f.set(data, 42);
  return f;
}

function withVnet(frame: Uint8Array, len: number): Uint8Array {
  const out = new Uint8Array(len + frame.length).fill(0xee, 0, len);
  out.set(frame, len);
  return out;
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "colod-pcap-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("DivergencePcap", () => {
  test("pairs are written primary then secondary, vnet headers stripped, file 0600", async () => {
    const path = join(dir, "div.pcap");
    const pcap = new DivergencePcap({ path });
    const p1 = udpFrame(101, "10.0.0.1", "10.0.0.2", 5001, "primary says hello");
    const s1 = udpFrame(201, "10.0.0.1", "10.0.0.2", 5001, "secondary says bye");
    const p2 = udpFrame(102, "10.0.0.3", "10.0.0.4", 5002, "p2");
    const s2 = udpFrame(202, "10.0.0.3", "10.0.0.4", 5002, "s2-longer");
    expect(
      pcap.writePair({
        primary: withVnet(p1, 12),
        secondary: withVnet(s1, 10),
        primaryVnetHdrLen: 12,
        secondaryVnetHdrLen: 10,
        timeMs: 1_700_000_000_500,
      }),
    ).toBe(true);
    expect(pcap.writePair({ primary: p2, secondary: s2, timeMs: 1_700_000_001_000 })).toBe(true);
    await pcap.close();
    expect(pcap.pairs).toBe(2);
    expect(statSync(path).mode & 0o777).toBe(0o600);

    const bytes = readFileSync(path);
    expect(bytes.length).toBe(24 + 4 * 16 + p1.length + s1.length + p2.length + s2.length);
    const file = readPcap(bytes);
    expect(file.linkType).toBe(1);
    // Records are the Ethernet frames themselves, primary first: no 0xee vnet bytes left.
    expect(file.records.map((r) => Buffer.from(r.data).toString("hex"))).toEqual(
      [p1, s1, p2, s2].map((f) => Buffer.from(f).toString("hex")),
    );
    expect(file.records.map((r) => r.timeMs)).toEqual([
      1_700_000_000_500, 1_700_000_000_500, 1_700_000_001_000, 1_700_000_001_000,
    ]);

    if (!existsSync(TSHARK))
      return console.log("tshark not installed: record layout checked, tshark read skipped");
    const r = spawnSync(
      TSHARK,
      [
        "-r",
        path,
        "-T",
        "fields",
        "-E",
        "separator=,",
        "-e",
        "frame.number",
        "-e",
        "frame.len",
        "-e",
        "ip.id",
        "-e",
        "ip.src",
        "-e",
        "udp.dstport",
        "-e",
        "frame.time_epoch",
      ],
      { encoding: "utf8" },
    );
    expect(r.status, r.stderr).toBe(0);
    const rows = r.stdout
      .trim()
      .split("\n")
      .map((l) => l.split(","));
    expect(rows.map((x) => x.slice(0, 5))).toEqual([
      ["1", String(p1.length), "0x0065", "10.0.0.1", "5001"],
      ["2", String(s1.length), "0x00c9", "10.0.0.1", "5001"],
      ["3", String(p2.length), "0x0066", "10.0.0.3", "5002"],
      ["4", String(s2.length), "0x00ca", "10.0.0.3", "5002"],
    ]);
    expect(Number(rows[0]?.[5])).toBeCloseTo(1_700_000_000.5, 3);
    const plain = spawnSync(TSHARK, ["-r", path], { encoding: "utf8" });
    console.log(`tshark -r:\n${plain.stdout}`);
    expect(plain.stdout.trim().split("\n")).toHaveLength(4);
  });

  test("stops at maxPairs and after close, counting what it skipped", async () => {
    const path = join(dir, "limited.pcap");
    const pcap = new DivergencePcap({ path, maxPairs: 1 });
    const f = udpFrame(1, "10.0.0.1", "10.0.0.2", 7, "x");
    expect(pcap.writePair({ primary: f, secondary: f, timeMs: -1 })).toBe(false); // not representable
    expect(pcap.writePair({ primary: f, secondary: f })).toBe(true);
    expect(pcap.writePair({ primary: f, secondary: f })).toBe(false);
    await pcap.close();
    expect(pcap.writePair({ primary: f, secondary: f })).toBe(false);
    expect([pcap.pairs, pcap.skipped]).toEqual([1, 3]);
    expect(readFileSync(path).length).toBe(24 + 2 * (16 + f.length));
  });

  test("a path that cannot be created fails at construction with the path in the message", () => {
    const bad = join(dir, "no-such-dir", "x.pcap");
    expect(() => new DivergencePcap({ path: bad })).toThrow(PcapWriteError);
    try {
      new DivergencePcap({ path: bad });
    } catch (err) {
      expect((err as PcapWriteError).code).toBe("ERR_OBS_PCAP_WRITE");
      expect((err as Error).message).toContain(bad);
    }
  });
});
