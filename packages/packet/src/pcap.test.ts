import { describe, expect, test } from "vitest";
import { buildFrame } from "./build.js";
import { PcapError } from "./errors.js";
import { PCAP_LINKTYPE_ETHERNET, pcapFileHeader, pcapRecordHeader, readPcap, writePcap } from "./pcap.js";

describe("pcap writer", () => {
  test("global header bytes", () => {
    // biome-ignore format: one field per line
    expect([...pcapFileHeader({ snapLen: 65535 })]).toEqual([
      0xd4, 0xc3, 0xb2, 0xa1, // magic, little-endian, microseconds
      2, 0, 4, 0,             // version 2.4
      0, 0, 0, 0,             // thiszone
      0, 0, 0, 0,             // sigfigs
      0xff, 0xff, 0, 0,       // snaplen 65535
      1, 0, 0, 0,             // linktype Ethernet
    ]);
  });

  test("record header: split timestamp, captured and original lengths, at an offset", () => {
    const buf = new Uint8Array(20).fill(0xaa);
    pcapRecordHeader(100, 1_700_000_000_123.5, 60, buf, 4);
    const dv = new DataView(buf.buffer);
    expect(buf.subarray(0, 4).every((b) => b === 0xaa)).toBe(true);
    expect(dv.getUint32(4, true)).toBe(1_700_000_000);
    expect(dv.getUint32(8, true)).toBe(123_500);
    expect(dv.getUint32(12, true)).toBe(60);
    expect(dv.getUint32(16, true)).toBe(100);
    expect(() => pcapRecordHeader(-1, 0)).toThrow(PcapError);
  });

  test("round trip through readPcap, with truncation at the snap length", () => {
    const frames = [buildFrame(), buildFrame({ proto: "tcp", payload: "x".repeat(100) }), new Uint8Array(0)];
    const file = writePcap([{ data: frames[0]!, timeMs: 5 }, frames[1]!, frames[2]!], { snapLen: 80 });
    const back = readPcap(file);
    expect(back.linkType).toBe(PCAP_LINKTYPE_ETHERNET);
    expect(back.snapLen).toBe(80);
    expect(back.records.map((r) => r.timeMs)).toEqual([5, 1, 2]);
    expect(back.records[0]!.data).toEqual(frames[0]);
    expect(back.records[1]!.data).toEqual(frames[1]!.subarray(0, 80));
    expect(back.records[2]!.data.length).toBe(0);
    expect(() => readPcap(file.subarray(0, file.length - 1))).toThrow(PcapError);
    expect(() => readPcap(new Uint8Array(24))).toThrow(/bad magic/);
  });
});
