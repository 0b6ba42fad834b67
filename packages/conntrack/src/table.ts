import type { PacketInfo } from "@colod/packet";
import { ConnTableOptionError } from "./errors.js";
import { hashKey } from "./hash.js";
import { IndexList } from "./list.js";

/** One tracked connection: its exact 5-tuple (no direction folding) and the owner's per-connection state. */
export interface Conn<S> {
  /** Unique for the table's lifetime (never reused, unlike the internal slot). */
  readonly id: number;
  readonly proto: number;
  readonly srcAddr: number;
  readonly dstAddr: number;
  readonly srcPort: number;
  readonly dstPort: number;
  state: S;
}

/** How a ConnTable creates, judges and drops per-connection state. */
export interface ConnTableOptions<S> {
  /** Most connections held at once; default 16384 (QEMU's HASHTABLE_MAX_SIZE, SPEC 4). */
  capacity?: number;
  /** Creates the state of a new connection (its key fields are already set). */
  init(conn: Conn<S>): S;
  /** Idle = both queues empty: the connection may be evicted to make room. */
  isIdle(state: S): boolean;
  /** Called after an idle connection was evicted to make room (not on delete or clear). */
  onEvict?(conn: Conn<S>): void;
}

/** Default table size: QEMU's HASHTABLE_MAX_SIZE. */
export const DEFAULT_CONN_CAPACITY = 16384;
/** Upper bound on capacity: keeps every index array well under 2^31 bytes. */
export const MAX_CONN_CAPACITY = 1 << 24;
/**
 * Each entry is one 32-byte record in a shared Int32Array: hash, the key (src, dst, ports = srcPort << 16
 * | dstPort, proto) and its LRU links, so a hit touches one cache line for itself plus its LRU neighbours.
 */
const REC = 8;
const R_HASH = 0;
const R_SRC = 1;
const R_DST = 2;
const R_PORTS = 3;
const R_PROTO = 4;
const R_LRU = 5;

/** A walk in progress: the entry it is on, and where it resumes if that entry is deleted. */
interface Cursor {
  cur: number;
  gone: boolean;
  resume: number;
}

class Entry<S> implements Conn<S> {
  state: S = undefined as S;
  constructor(
    readonly id: number,
    readonly proto: number,
    readonly srcAddr: number,
    readonly dstAddr: number,
    readonly srcPort: number,
    readonly dstPort: number,
    /** @internal Index into the table's arrays; -1 once deleted. */
    public slot: number,
  ) {}
}

function nextPow2(n: number): number {
  let p = 16;
  while (p < n) p *= 2;
  return p;
}

/**
 * A bounded connection table keyed by the exact numeric 5-tuple: open addressing (linear probing,
 * load <= 1/2, backward-shift deletion) over typed arrays, with LRU and creation order kept as
 * intrusive lists. A hit allocates nothing; only creating a connection allocates its Conn object.
 * @example const t = new ConnTable({ init: () => ({ q: [] }), isIdle: (s) => s.q.length === 0 });
 */
export class ConnTable<S> implements Iterable<Conn<S>> {
  readonly #cap: number;
  readonly #opts: ConnTableOptions<S>;
  readonly #seed = (Math.random() * 0x100000000) | 0;
  readonly #mask: number;
  /** Hash slots: entry index + 1, 0 = empty. */
  readonly #slots: Int32Array;
  readonly #rec: Int32Array;
  readonly #conns: (Entry<S> | undefined)[];
  readonly #lru: IndexList;
  readonly #order: IndexList;
  readonly #free: Int32Array;
  /** Walks in progress (usually none): deletions and creations keep their positions valid. */
  readonly #cursors: Cursor[] = [];
  #freeTop = 0;
  #size = 0;
  #nextId = 1;

  constructor(opts: ConnTableOptions<S>) {
    const cap = opts?.capacity ?? DEFAULT_CONN_CAPACITY;
    if (!Number.isInteger(cap) || cap < 1 || cap > MAX_CONN_CAPACITY) {
      throw new ConnTableOptionError(
        `ConnTable capacity ${cap} must be an integer in 1..${MAX_CONN_CAPACITY}`,
      );
    }
    if (typeof opts.init !== "function" || typeof opts.isIdle !== "function") {
      throw new ConnTableOptionError("ConnTable needs init(conn) and isIdle(state) functions");
    }
    this.#cap = cap;
    this.#opts = opts;
    this.#mask = nextPow2(cap * 2) - 1;
    this.#slots = new Int32Array(this.#mask + 1);
    this.#rec = new Int32Array(cap * REC);
    this.#conns = new Array<Entry<S> | undefined>(cap).fill(undefined);
    this.#lru = new IndexList(this.#rec, REC, R_LRU);
    this.#order = new IndexList(new Int32Array(cap * 2));
    this.#free = new Int32Array(cap);
    this.#resetFree();
  }

  /** Connections currently held. */
  get size(): number {
    return this.#size;
  }

  /** Most connections held at once. */
  get capacity(): number {
    return this.#cap;
  }

  /**
   * Finds or creates the connection of info's exact 5-tuple and marks it most recently used. When full,
   * evicts the least recently used idle connection; returns undefined when every connection is busy.
   */
  lookupOrCreate(info: PacketInfo): Conn<S> | undefined {
    const { ipProto: proto, srcAddr: src, dstAddr: dst, srcPort: sp, dstPort: dp } = info;
    const ports = (sp << 16) | dp;
    const h = hashKey(this.#seed, proto, src, dst, ports) | 0;
    let at = this.#find(h, proto, src | 0, dst | 0, ports);
    if (at >= 0) {
      this.#lru.moveToTail(at);
      return this.#conns[at];
    }
    if (this.#size === this.#cap) {
      if (!this.#evictOne()) return undefined;
      at = this.#find(h, proto, src | 0, dst | 0, ports); // eviction may have shifted the chain
    }
    return this.#insert(-1 - at, h, proto, src, dst, sp, dp);
  }

  /** Finds a connection by its exact 5-tuple without changing the LRU order. */
  lookup(
    proto: number,
    srcAddr: number,
    dstAddr: number,
    srcPort: number,
    dstPort: number,
  ): Conn<S> | undefined {
    const ports = (srcPort << 16) | dstPort;
    const h = hashKey(this.#seed, proto, srcAddr, dstAddr, ports) | 0;
    const at = this.#find(h, proto, srcAddr | 0, dstAddr | 0, ports);
    return at >= 0 ? this.#conns[at] : undefined;
  }

  /** Marks a connection most recently used (lookupOrCreate does this itself). */
  touch(conn: Conn<S>): void {
    const i = this.#indexOf(conn);
    if (i >= 0) this.#lru.moveToTail(i);
  }

  /** Removes a connection; a connection already removed (or from another table) is ignored. */
  delete(conn: Conn<S>): void {
    const i = this.#indexOf(conn);
    if (i >= 0) this.#remove(i);
  }

  /** Removes every connection (onEvict is not called: the caller owns what it clears). */
  clear(): void {
    for (const c of this.#cursors) {
      c.gone = true;
      c.resume = -1;
    }
    for (let i = this.#order.head; i >= 0; i = this.#order.next(i)) this.#conns[i]!.slot = -1;
    this.#slots.fill(0);
    this.#conns.fill(undefined);
    this.#lru.clear();
    this.#order.clear();
    this.#size = 0;
    this.#resetFree();
  }

  /**
   * Walks connections in creation order (oldest first). The callback may delete any connection (the
   * walk resumes after the one it was on) and may create ones, which the walk then visits too.
   */
  forEach(cb: (conn: Conn<S>) => void): void {
    const c = this.#startWalk();
    try {
      for (let i = this.#order.head; i >= 0; i = this.#advance(c)) {
        c.cur = i;
        c.gone = false;
        cb(this.#conns[i]!);
      }
    } finally {
      this.#endWalk(c);
    }
  }

  /**
   * Iterates connections in creation order, with forEach's rules for deletion and creation. Run it to the
   * end or call `return()` (for...of does): a walk left suspended stays registered with the table.
   */
  *[Symbol.iterator](): IterableIterator<Conn<S>> {
    const c = this.#startWalk();
    try {
      for (let i = this.#order.head; i >= 0; i = this.#advance(c)) {
        c.cur = i;
        c.gone = false;
        yield this.#conns[i]!;
      }
    } finally {
      this.#endWalk(c);
    }
  }

  #startWalk(): Cursor {
    const c = { cur: -1, gone: false, resume: -1 };
    this.#cursors.push(c);
    return c;
  }

  #endWalk(c: Cursor): void {
    this.#cursors.splice(this.#cursors.indexOf(c), 1);
  }

  #advance(c: Cursor): number {
    return c.gone ? c.resume : this.#order.next(c.cur);
  }

  /** Entry index of `h`'s key, or -1 - (empty slot position) when absent. */
  #find(h: number, proto: number, src: number, dst: number, ports: number): number {
    const slots = this.#slots;
    const rec = this.#rec;
    const mask = this.#mask;
    for (let p = h & mask; ; p = (p + 1) & mask) {
      const s = slots[p]!;
      if (s === 0) return -1 - p;
      const r = (s - 1) * REC;
      if (
        rec[r + R_HASH] === h &&
        rec[r + R_SRC] === src &&
        rec[r + R_DST] === dst &&
        rec[r + R_PORTS] === ports &&
        rec[r + R_PROTO] === proto
      ) {
        return s - 1;
      }
    }
  }

  #insert(pos: number, h: number, proto: number, src: number, dst: number, sp: number, dp: number): Conn<S> {
    const i = this.#free[this.#freeTop - 1]!;
    const e = new Entry<S>(this.#nextId++, proto, src >>> 0, dst >>> 0, sp, dp, i);
    e.state = this.#opts.init(e); // before claiming the slot, so a throwing init leaves the table intact
    this.#freeTop--;
    const r = i * REC;
    this.#rec[r + R_HASH] = h;
    this.#rec[r + R_SRC] = src;
    this.#rec[r + R_DST] = dst;
    this.#rec[r + R_PORTS] = (sp << 16) | dp;
    this.#rec[r + R_PROTO] = proto;
    this.#slots[pos] = i + 1;
    this.#conns[i] = e;
    this.#lru.push(i);
    this.#order.push(i);
    for (const c of this.#cursors) if (c.gone && c.resume === -1) c.resume = i;
    this.#size++;
    return e;
  }

  /** Evicts the least recently used idle connection; false when every connection is busy. */
  #evictOne(): boolean {
    const { isIdle, onEvict } = this.#opts;
    for (let i = this.#lru.head; i >= 0; i = this.#lru.next(i)) {
      const e = this.#conns[i]!;
      if (!isIdle(e.state)) continue;
      this.#remove(i);
      onEvict?.(e);
      return true;
    }
    return false;
  }

  #indexOf(conn: Conn<S>): number {
    const i = (conn as Entry<S>).slot;
    return typeof i === "number" && i >= 0 && this.#conns[i] === conn ? i : -1;
  }

  #remove(i: number): void {
    for (const c of this.#cursors) {
      if (!c.gone && c.cur === i) {
        c.gone = true;
        c.resume = this.#order.next(i);
      } else if (c.gone && c.resume === i) c.resume = this.#order.next(i);
    }
    this.#unslot(i);
    this.#lru.remove(i);
    this.#order.remove(i);
    this.#conns[i]!.slot = -1;
    this.#conns[i] = undefined;
    this.#free[this.#freeTop++] = i;
    this.#size--;
  }

  /** Empties entry i's hash slot and shifts later chain members back so probing never needs tombstones. */
  #unslot(i: number): void {
    const slots = this.#slots;
    const mask = this.#mask;
    const rec = this.#rec;
    let hole = rec[i * REC + R_HASH]! & mask;
    while (slots[hole] !== i + 1) hole = (hole + 1) & mask;
    for (let j = (hole + 1) & mask; slots[j] !== 0; j = (j + 1) & mask) {
      const home = rec[(slots[j]! - 1) * REC + R_HASH]! & mask;
      // The entry at j may move into the hole only if its home is not cyclically within (hole, j].
      if (((j - home) & mask) >= ((j - hole) & mask)) {
        slots[hole] = slots[j]!;
        hole = j;
      }
    }
    slots[hole] = 0;
  }

  #resetFree(): void {
    // Popped from the top, so low indices are used first (kinder to caches in small tables).
    for (let k = 0; k < this.#cap; k++) this.#free[k] = this.#cap - 1 - k;
    this.#freeTop = this.#cap;
  }
}
