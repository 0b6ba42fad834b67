/**
 * Hashes the 104-bit connection key (proto, src, dst, ports) to 32 bits: MurmurHash3's block mix per
 * word and its finaliser, seeded per table so crafted flows cannot aim at one probe chain.
 */
function mix(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** 32-bit hash of a connection key; `ports` is srcPort << 16 | dstPort. */
export function hashKey(seed: number, proto: number, src: number, dst: number, ports: number): number {
  let h = mix(mix(mix(mix(seed, src), dst), ports), proto);
  h ^= 13;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
