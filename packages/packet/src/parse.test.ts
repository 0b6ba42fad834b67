import { describe, expect, test } from "vitest";
import { buildFrame } from "./build.js";
import { violation } from "./invariants.fixtures.js";
import {
  badFixtures,
  type Fixture,
  unsupportedFixtures,
  validFixtures,
  vnetFixtures,
} from "./packet.fixtures.js";
import { newPacketInfo, parse } from "./parse.js";
import { FrameClass, FrameIssue } from "./types.js";

const groups: [string, Fixture[]][] = [
  ["valid", validFixtures],
  ["unsupported", unsupportedFixtures],
  ["bad", badFixtures],
  ["vnet", vnetFixtures],
];

for (const [group, fixtures] of groups) {
  describe(`parse: ${group} fixtures`, () => {
    test.each(fixtures.map((f) => [f.name, f] as const))("%s", (_name, f) => {
      const info = parse(f.frame, f.vnetHdrLen, newPacketInfo());
      expect(info).toMatchObject(f.expect);
      expect(violation(info, f.frame)).toBeUndefined();
    });
  });
}

describe("parse: record reuse", () => {
  test("fills and returns the record it is given", () => {
    const rec = newPacketInfo();
    expect(parse(buildFrame(), 0, rec)).toBe(rec);
  });

  test("a reused record carries nothing over from the previous frame", () => {
    const all = groups.flatMap(([, fs]) => fs);
    const reused = newPacketInfo();
    for (const prev of all) {
      for (const f of all) {
        parse(prev.frame, prev.vnetHdrLen, reused);
        parse(f.frame, f.vnetHdrLen, reused);
        expect(reused).toEqual(parse(f.frame, f.vnetHdrLen, newPacketInfo()));
      }
    }
  });

  test("a blank record is Unsupported with no region", () => {
    expect(newPacketInfo()).toMatchObject({ cls: FrameClass.Unsupported, issue: FrameIssue.None, cmpEnd: 0 });
  });

  test("parses a frame that is a view into a larger buffer", () => {
    const f = buildFrame({ proto: "tcp", seq: 42, payload: "xy" });
    const big = new Uint8Array(f.length + 100).fill(0xee);
    big.set(f, 50);
    const info = parse(big.subarray(50, 50 + f.length), 0, newPacketInfo());
    expect(info).toMatchObject({ cls: FrameClass.Tcp, tcpSeq: 42, cmpStart: 54, cmpEnd: 56 });
  });

  test("the compared region excludes Ethernet padding and headers", () => {
    const f = buildFrame({ payload: "abc", padTo: 64, ipId: 9, ttl: 1 });
    const info = parse(f, 0, newPacketInfo());
    expect(new TextDecoder().decode(f.subarray(info.cmpStart + 8, info.cmpEnd))).toBe("abc");
  });
});
