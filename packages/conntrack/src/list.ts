/**
 * An intrusive doubly linked list over entry indices [0, capacity): links live in two Int32Arrays, so
 * moving or unlinking an entry allocates nothing. -1 means "none".
 */
export class IndexList {
  /** Oldest / least recent entry, or -1. */
  head = -1;
  /** Newest / most recent entry, or -1. */
  tail = -1;
  readonly prev: Int32Array;
  readonly next: Int32Array;

  constructor(capacity: number) {
    this.prev = new Int32Array(capacity).fill(-1);
    this.next = new Int32Array(capacity).fill(-1);
  }

  /** Appends `i` (not in the list) at the tail. */
  push(i: number): void {
    this.prev[i] = this.tail;
    this.next[i] = -1;
    if (this.tail >= 0) this.next[this.tail] = i;
    else this.head = i;
    this.tail = i;
  }

  /** Unlinks `i` (in the list). */
  remove(i: number): void {
    const p = this.prev[i]!;
    const n = this.next[i]!;
    if (p >= 0) this.next[p] = n;
    else this.head = n;
    if (n >= 0) this.prev[n] = p;
    else this.tail = p;
    this.prev[i] = -1;
    this.next[i] = -1;
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
