import { FrameSpecError } from "./errors.js";

/** Parses dotted-quad IPv4 text ("10.0.0.1") to an unsigned 32-bit number; throws FrameSpecError otherwise. */
export function ipv4ToNumber(text: string): number {
  const parts = text.split(".");
  if (parts.length !== 4) throw new FrameSpecError(`IPv4 address "${text}" must be four dotted decimals`);
  let n = 0;
  for (const p of parts) {
    const v = /^\d{1,3}$/.test(p) ? Number(p) : 256;
    if (v > 255) throw new FrameSpecError(`IPv4 address "${text}" has an octet outside 0..255`);
    n = n * 256 + v;
  }
  return n;
}

/** Formats an unsigned 32-bit IPv4 number as dotted-quad text. */
export function numberToIpv4(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** Parses a MAC address ("52:54:00:00:00:01" or "-" separated) to 6 bytes; throws FrameSpecError otherwise. */
export function parseMac(mac: string | Uint8Array): Uint8Array {
  if (typeof mac !== "string") {
    if (mac.length !== 6) throw new FrameSpecError(`MAC address must be 6 bytes, got ${mac.length}`);
    return mac;
  }
  const parts = mac.split(/[:-]/);
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p))) {
    throw new FrameSpecError(`MAC address "${mac}" must be six hex octets separated by ":"`);
  }
  return Uint8Array.from(parts, (p) => Number.parseInt(p, 16));
}

/** Parses IPv6 text (full or "::"-compressed, no embedded IPv4) to 16 bytes; throws FrameSpecError otherwise. */
export function parseIpv6(text: string): Uint8Array {
  const bad = () => new FrameSpecError(`IPv6 address "${text}" is not valid hex-group text`);
  const halves = text.split("::");
  if (halves.length > 2) throw bad();
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) throw bad();
  const all = [...head, ...new Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) throw bad();
    const v = Number.parseInt(g, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  });
  return out;
}
