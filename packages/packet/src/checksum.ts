/**
 * Adds bytes [start, end) of `buf` to a one's-complement running sum (RFC 1071), unfolded.
 * An odd trailing byte is padded with a zero, as the Internet checksum requires.
 */
export function onesSum(buf: Uint8Array, start: number, end: number, sum = 0): number {
  let i = start;
  for (; i + 1 < end; i += 2) sum += (buf[i]! << 8) | buf[i + 1]!;
  if (i < end) sum += buf[i]! << 8;
  return sum;
}

/** Folds a running sum to 16 bits and complements it: the value to store in a checksum field. */
export function foldChecksum(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

/** Internet checksum (RFC 1071) of bytes [start, end) of `buf`, optionally seeded with a pseudo-header sum. */
export function internetChecksum(buf: Uint8Array, start = 0, end = buf.length, seed = 0): number {
  return foldChecksum(onesSum(buf, start, end, seed));
}
