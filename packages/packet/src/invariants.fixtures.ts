// Record invariants every parse result must satisfy, whatever the input: used by the fixture tests
// and the fuzzer. Returns a description of the first violation, or undefined.
import { FrameClass, FrameIssue, type PacketInfo } from "./types.js";

const inFrame = (o: number, len: number) => o === -1 || (Number.isInteger(o) && o >= 0 && o <= len);
const u32 = (v: number) => Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
const u16 = (v: number) => Number.isInteger(v) && v >= 0 && v <= 0xffff;

function generic(i: PacketInfo, frame: Uint8Array): string | undefined {
  const len = frame.length;
  if (i.frameLen !== len) return `frameLen ${i.frameLen} != ${len}`;
  for (const k of ["l2Offset", "l3Offset", "l4Offset"] as const) {
    if (!inFrame(i[k], len)) return `${k} ${i[k]} outside [0, ${len}]`;
  }
  if (!(i.cmpStart >= 0 && i.cmpStart <= i.cmpEnd && i.cmpEnd <= len)) {
    return `compared region [${i.cmpStart}, ${i.cmpEnd}) not within [0, ${len}]`;
  }
  if (![i.srcAddr, i.dstAddr, i.tcpSeq, i.tcpAck].every(u32)) return "an address or seq/ack is not u32";
  if (![i.srcPort, i.dstPort, i.etherType, i.ipFragWord, i.ipTotalLen].every(u16))
    return "a u16 field is out of range";
  return undefined;
}

function byClass(i: PacketInfo): string | undefined {
  switch (i.cls) {
    case FrameClass.Unsupported:
      if (i.issue === FrameIssue.None || i.cmpEnd !== 0) return "Unsupported without issue or with a region";
      return undefined;
    case FrameClass.Malformed:
      if (i.issue === FrameIssue.None) return "Malformed without issue";
      if (i.cmpStart !== i.l2Offset || i.cmpEnd !== i.frameLen)
        return "Malformed region is not the whole frame";
      if (i.srcPort !== 0 || i.dstPort !== 0 || i.l4Offset !== -1) return "Malformed with ports or L4 offset";
      return undefined;
    default:
      if (i.issue !== FrameIssue.None) return "parsed class with an issue";
      if (i.l3Offset < 0 || i.cmpEnd !== i.l3Offset + i.ipTotalLen)
        return "region end is not the IP total length";
      if (i.cls === FrameClass.Tcp && i.cmpStart !== i.l4Offset + i.tcpHeaderLen) return "TCP payload start";
      if (i.cls !== FrameClass.Tcp && i.l4Offset !== -1 && i.cmpStart !== i.l4Offset)
        return "L4 region start";
      return undefined;
  }
}

/** The first invariant `info` breaks for `frame`, or undefined when it satisfies them all. */
export function violation(info: PacketInfo, frame: Uint8Array): string | undefined {
  return generic(info, frame) ?? byClass(info);
}
