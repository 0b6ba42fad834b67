/**
 * An intrusive doubly linked list over entry indices [0, capacity): entry i's links are the two Int32
 * words at `links[i * stride + offset]` (prev) and the one after it (next), so the links can share a
 * cache line with the entry's other fields. Moving or unlinking allocates nothing; -1 means "none".
 */
export class IndexList {
  /** Oldest / least recent entry, or -1. */
  head = -1;
  /** Newest / most recent entry, or -1. */
  tail = -1;

  constructor(
    readonly links: Int32Array,
    readonly stride = 2,
    readonly offset = 0,
  ) {}

  /** Index of the entry after `i`, or -1. */
  next(i: number): number {
    return this.links[i * this.stride + this.offset + 1]!;
  }

  /** Appends `i` (not in the list) at the tail. */
  push(i: number): void {
    const l = this.links;
    const s = this.stride;
    const o = i * s + this.offset;
    l[o] = this.tail;
    l[o + 1] = -1;
    if (this.tail >= 0) l[this.tail * s + this.offset + 1] = i;
    else this.head = i;
    this.tail = i;
  }

  /** Unlinks `i` (in the list). */
  remove(i: number): void {
    const l = this.links;
    const s = this.stride;
    const off = this.offset;
    const o = i * s + off;
    const p = l[o]!;
    const n = l[o + 1]!;
    if (p >= 0) l[p * s + off + 1] = n;
    else this.head = n;
    if (n >= 0) l[n * s + off] = p;
    else this.tail = p;
    l[o] = -1;
    l[o + 1] = -1;
  }

  /** Moves `i` (in the list) to the tail. */
  moveToTail(i: number): void {
    if (this.tail === i) return;
    this.remove(i);
    this.push(i);
  }

  /** Empties the list (links of former members are left stale; push resets them). */
  clear(): void {
    this.head = -1;
    this.tail = -1;
  }
}
