/**
 * A growable ring buffer: O(1) push/shift at both ends, O(n) insert/remove in the middle (rare on the hot path:
 * TCP segments mostly arrive in order, FIFO matches mostly hit the head).
 */
export class Deque<T> {
  private buf: (T | undefined)[];
  private head = 0;
  private mask: number;
  /** Number of items held. */
  length = 0;

  constructor(initialCapacity = 4) {
    let cap = 1;
    while (cap < initialCapacity) cap <<= 1;
    this.buf = new Array<T | undefined>(cap);
    this.mask = cap - 1;
  }

  /** The item at position i (0 = oldest/first); i must be < length. */
  get(i: number): T {
    return this.buf[(this.head + i) & this.mask] as T;
  }

  /** Appends at the end. */
  push(item: T): void {
    if (this.length === this.buf.length) this.grow();
    this.buf[(this.head + this.length) & this.mask] = item;
    this.length++;
  }

  /** Removes and returns the first item; the deque must not be empty. */
  shift(): T {
    const item = this.buf[this.head] as T;
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.length--;
    return item;
  }

  /** Inserts so that the new item ends up at position i (0..length). */
  insertAt(i: number, item: T): void {
    if (this.length === this.buf.length) this.grow();
    for (let j = this.length; j > i; j--) {
      this.buf[(this.head + j) & this.mask] = this.buf[(this.head + j - 1) & this.mask];
    }
    this.buf[(this.head + i) & this.mask] = item;
    this.length++;
  }

  /** Removes and returns the item at position i. */
  removeAt(i: number): T {
    if (i === 0) return this.shift();
    const item = this.get(i);
    for (let j = i; j < this.length - 1; j++) {
      this.buf[(this.head + j) & this.mask] = this.buf[(this.head + j + 1) & this.mask];
    }
    this.buf[(this.head + this.length - 1) & this.mask] = undefined;
    this.length--;
    return item;
  }

  private grow(): void {
    const next = new Array<T | undefined>(this.buf.length * 2);
    for (let i = 0; i < this.length; i++) next[i] = this.get(i);
    this.buf = next;
    this.head = 0;
    this.mask = next.length - 1;
  }
}
