// 100k random operations on a ConnTable, checked step by step against a plain reference model (string
// keys and Maps: fine in a test, banned on the hot path). Small capacities keep the table full, so
// eviction, the busy-full signal and long probe chains with backward-shift deletion all get exercised.
import { newPacketInfo } from "@colod/packet";
import { expect, test } from "vitest";
import { type Conn, ConnTable } from "./table.js";

interface St {
  busy: boolean;
}

function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x100000000;
  };
}

class Model {
  /** Creation order (Map keeps insertion order). */
  readonly conns = new Map<string, { id: number; busy: boolean }>();
  /** Recency order: least recent first; touching re-inserts. */
  readonly lru = new Map<string, true>();
  constructor(readonly capacity: number) {}

  touch(k: string): void {
    this.lru.delete(k);
    this.lru.set(k, true);
  }

  /** Returns [found-or-created, evicted key] like the table, or undefined when busy-full. */
  lookupOrCreate(k: string): { created: boolean; evicted?: string } | undefined {
    if (this.conns.has(k)) {
      this.touch(k);
      return { created: false };
    }
    let evicted: string | undefined;
    if (this.conns.size === this.capacity) {
      evicted = [...this.lru.keys()].find((key) => !this.conns.get(key)!.busy);
      if (evicted === undefined) return undefined;
      this.delete(evicted);
    }
    this.conns.set(k, { id: -1, busy: false });
    this.touch(k);
    return { created: true, evicted };
  }

  delete(k: string): void {
    this.conns.delete(k);
    this.lru.delete(k);
  }
}

/** `walkOdds`: chance that a walk-slot op really walks (walks of a big table are slow in the model). */
function run(seed: number, capacity: number, ops: number, keySpace: number, walkOdds: number): void {
  const rand = prng(seed);
  const evicted: string[] = [];
  const keyOf = (c: { proto: number; srcAddr: number; dstAddr: number; srcPort: number; dstPort: number }) =>
    `${c.proto}/${c.srcAddr}/${c.dstAddr}/${c.srcPort}/${c.dstPort}`;
  const t = new ConnTable<St>({
    capacity,
    init: () => ({ busy: false }),
    isIdle: (s) => !s.busy,
    onEvict: (c) => evicted.push(keyOf(c)),
  });
  const m = new Model(capacity);
  const info = newPacketInfo();
  const fail = (i: number, what: string) => expect.fail(`seed ${seed} capacity ${capacity} op ${i}: ${what}`);
  const keyN = (n: number): string => {
    // Keys from a small space (so hits, re-creation and eviction all happen), high bits included.
    info.ipProto = [1, 6, 17][n % 3]!;
    info.srcAddr = (0xfffffff0 + (n % 5) * 0x1000) >>> 0;
    info.dstAddr = n % 7;
    info.srcPort = (n * 2654435761) >>> 16;
    info.dstPort = n % 2 ? 80 : 0x8000 + (n % 11);
    return keyOf({ proto: info.ipProto, ...info });
  };
  const find = () => t.lookup(info.ipProto, info.srcAddr, info.dstAddr, info.srcPort, info.dstPort);

  const lookupOrCreate = (i: number, k: string) => {
    evicted.length = 0;
    const got = t.lookupOrCreate(info);
    const want = m.lookupOrCreate(k);
    if (!got !== !want) fail(i, `lookupOrCreate ${k}: table ${!!got}, model ${!!want}`);
    if (got && keyOf(got) !== k) fail(i, `lookupOrCreate returned ${keyOf(got)} for ${k}`);
    if (got && want) {
      const rec = m.conns.get(k)!;
      if (want.created) rec.id = got.id;
      else if (rec.id !== got.id) fail(i, `id changed for ${k}`);
      if (got.state.busy !== rec.busy) fail(i, `state lost for ${k}`);
      if (rand() < 0.3) got.state.busy = rec.busy = !rec.busy;
    }
    if ((evicted[0] ?? "") !== (want?.evicted ?? "") || evicted.length > 1) {
      fail(i, `evicted ${evicted} but model evicted ${want?.evicted}`);
    }
  };

  /** A walk in lockstep with the model Map's own iterator (JS Map iteration has the walk's semantics). */
  const walk = (i: number) => {
    const mit = m.conns.keys();
    for (const c of t) {
      const mk = mit.next();
      if (mk.done || mk.value !== keyOf(c)) fail(i, `walk visited ${keyOf(c)}, model ${mk.value}`);
      for (let a = Math.floor(rand() * 3); a > 0; a--) step(i, rand() * 0.93);
    }
    if (!mit.next().done) fail(i, "walk ended before the model's");
  };

  function step(i: number, op: number): void {
    const k = keyN(Math.floor(rand() * keySpace));
    if (op < 0.6) lookupOrCreate(i, k);
    else if (op < 0.8) {
      if ((find()?.id ?? -1) !== (m.conns.get(k)?.id ?? -1)) fail(i, `lookup ${k}`);
    } else if (op < 0.93) {
      const got = find();
      if (got) t.delete(got);
      m.delete(k);
    } else if (op < 0.95) {
      if (rand() < walkOdds) walk(i);
    } else if (op < 0.9995) {
      const got = find();
      if (got) t.touch(got);
      if (m.conns.has(k)) m.touch(k);
    } else {
      t.clear();
      m.conns.clear();
      m.lru.clear();
    }
    if (t.size !== m.conns.size) fail(i, `size ${t.size}, model ${m.conns.size}`);
  }

  for (let i = 0; i < ops; i++) {
    step(i, rand());
    if (i % 997 === 0) {
      const order = [...t].map((c: Conn<St>) => keyOf(c)).join(",");
      if (order !== [...m.conns.keys()].join(",")) fail(i, "creation order differs");
    }
  }
}

const seed = Number(process.env.COLOD_FUZZ_SEED ?? Math.floor(Math.random() * 0xffffffff));

test(`50k random operations agree with a reference model (capacity 16, seed ${seed})`, () => {
  run(seed, 16, 50_000, 40, 1);
});

test(`50k more (100k in all) agree with the model (capacity 1000, seed ${seed})`, () => {
  run(seed + 1, 1000, 50_000, 2000, 0.02);
});
