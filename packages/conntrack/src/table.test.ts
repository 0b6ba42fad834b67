import { buildFrame, newPacketInfo, type PacketInfo, parse } from "@colod/packet";
import { describe, expect, test } from "vitest";
import { ConnTableOptionError } from "./errors.js";
import { type Conn, ConnTable } from "./table.js";

interface St {
  busy: boolean;
  tag: number;
}

/** A PacketInfo carrying only the key fields the table reads. */
function key(proto: number, src: number, dst: number, sp: number, dp: number): PacketInfo {
  const info = newPacketInfo();
  Object.assign(info, { ipProto: proto, srcAddr: src >>> 0, dstAddr: dst >>> 0, srcPort: sp, dstPort: dp });
  return info;
}

const k = (n: number) => key(6, 0x0a000001, 0x0a000002, 1000 + n, 80);

function table(capacity: number, evicted: number[] = []) {
  return new ConnTable<St>({
    capacity,
    init: () => ({ busy: false, tag: 0 }),
    isIdle: (s) => !s.busy,
    onEvict: (c) => evicted.push(c.srcPort - 1000),
  });
}

describe("ConnTable basics", () => {
  test("finds the same connection for the same exact 5-tuple, no direction folding", () => {
    const t = table(16);
    const a = t.lookupOrCreate(key(17, 1, 2, 3, 4))!;
    expect(t.lookupOrCreate(key(17, 1, 2, 3, 4))).toBe(a);
    const rev = t.lookupOrCreate(key(17, 2, 1, 4, 3))!;
    expect(rev).not.toBe(a);
    for (const other of [key(6, 1, 2, 3, 4), key(17, 1, 2, 4, 3), key(17, 1, 3, 3, 4), key(17, 0, 2, 3, 4)]) {
      expect(t.lookupOrCreate(other)).not.toBe(a);
    }
    expect(t.size).toBe(6);
    expect(t.lookup(17, 1, 2, 3, 4)).toBe(a);
    expect(t.lookup(17, 9, 9, 9, 9)).toBeUndefined();
    expect(a).toMatchObject({ proto: 17, srcAddr: 1, dstAddr: 2, srcPort: 3, dstPort: 4 });
    expect(new Set([...t].map((c) => c.id)).size).toBe(6);
  });

  test("high addresses and ports (sign bit set) from a parsed frame round-trip unsigned", () => {
    const t = table(16);
    const f = buildFrame({
      proto: "tcp",
      src: "200.1.2.3",
      dst: "255.255.255.254",
      sport: 65535,
      dport: 40000,
    });
    const c = t.lookupOrCreate(parse(f, 0, newPacketInfo()))!;
    expect(c).toMatchObject({
      proto: 6,
      srcAddr: 0xc8010203,
      dstAddr: 0xfffffffe,
      srcPort: 65535,
      dstPort: 40000,
    });
    expect(t.lookup(6, 0xc8010203, 0xfffffffe, 65535, 40000)).toBe(c);
  });

  test("init sees the key; state is what init returned", () => {
    const t = new ConnTable({ init: (c: Conn<string>) => `${c.proto}/${c.srcPort}`, isIdle: () => true });
    expect(t.capacity).toBe(16384);
    expect(t.lookupOrCreate(key(6, 1, 2, 3, 4))!.state).toBe("6/3");
  });

  test("a throwing init leaves the table unchanged", () => {
    let fail = true;
    const t = new ConnTable<number>({
      capacity: 1,
      init: () => {
        if (fail) throw new Error("no");
        return 1;
      },
      isIdle: () => true,
    });
    expect(() => t.lookupOrCreate(k(1))).toThrow("no");
    expect(t.size).toBe(0);
    fail = false;
    expect(t.lookupOrCreate(k(1))?.state).toBe(1);
  });

  test("bad options throw ConnTableOptionError", () => {
    for (const capacity of [0, -1, 1.5, 2 ** 25]) {
      expect(() => new ConnTable({ capacity, init: () => 0, isIdle: () => true })).toThrow(
        ConnTableOptionError,
      );
    }
    expect(() => new ConnTable({ init: () => 0 } as never)).toThrow(/isIdle/);
    expect(() => new ConnTable({ capacity: 0, init: () => 0, isIdle: () => true })).toThrow(
      expect.objectContaining({ code: "ERR_CONNTRACK_OPTION", name: "ConnTableOptionError" }),
    );
  });
});

describe("capacity and eviction", () => {
  test("holds exactly `capacity` busy connections, then signals full without losing any", () => {
    const evicted: number[] = [];
    const t = table(8, evicted);
    for (let n = 0; n < 8; n++) {
      const c = t.lookupOrCreate(k(n))!;
      c.state.busy = true;
      c.state.tag = n;
    }
    expect(t.size).toBe(8);
    expect(t.lookupOrCreate(k(8))).toBeUndefined();
    expect(t.lookupOrCreate(k(9))).toBeUndefined();
    expect(t.size).toBe(8);
    expect(evicted).toEqual([]);
    for (let n = 0; n < 8; n++) expect(t.lookup(6, 0x0a000001, 0x0a000002, 1000 + n, 80)?.state.tag).toBe(n);
    // An existing connection is still found while full.
    expect(t.lookupOrCreate(k(3))?.state.tag).toBe(3);
    // Once one goes idle, it makes room.
    t.lookup(6, 0x0a000001, 0x0a000002, 1005, 80)!.state.busy = false;
    expect(t.lookupOrCreate(k(8))).toBeDefined();
    expect(evicted).toEqual([5]);
    expect(t.size).toBe(8);
  });

  test("evicts the least recently used idle connection first, skipping busy ones", () => {
    const evicted: number[] = [];
    const t = table(4, evicted);
    for (const n of [0, 1, 2, 3]) t.lookupOrCreate(k(n));
    t.lookupOrCreate(k(0)); // LRU order now 1, 2, 3, 0
    t.lookup(6, 0x0a000001, 0x0a000002, 1002, 80); // lookup does not touch
    t.lookupOrCreate(k(4)); // evicts 1
    t.lookupOrCreate(k(2))!.state.busy = true; // order 3, 0, 4, 2(busy)
    t.lookupOrCreate(k(5)); // evicts 3
    t.touch(t.lookup(6, 0x0a000001, 0x0a000002, 1000, 80)!); // order 4, 2, 5, 0
    t.lookupOrCreate(k(6)); // evicts 4
    t.lookupOrCreate(k(7)); // 2 is busy: evicts 5
    expect(evicted).toEqual([1, 3, 4, 5]);
    expect([...t].map((c) => c.srcPort - 1000)).toEqual([0, 2, 6, 7]);
  });

  test("an evicted connection is gone: its key creates a fresh one with a new id", () => {
    const t = table(1);
    const a = t.lookupOrCreate(k(1))!;
    a.state.tag = 9;
    t.lookupOrCreate(k(2));
    const again = t.lookupOrCreate(k(1))!;
    expect(again.id).not.toBe(a.id);
    expect(again.state.tag).toBe(0);
    t.delete(a); // stale: ignored
    expect(t.size).toBe(1);
    expect(t.lookup(6, 0x0a000001, 0x0a000002, 1001, 80)).toBe(again);
  });
});

describe("creation-order walks", () => {
  test("forEach and the iterator walk oldest first; deleting the current one is safe", () => {
    const t = table(32);
    for (let n = 0; n < 10; n++) t.lookupOrCreate(k(n));
    t.lookupOrCreate(k(0)); // recency does not change creation order
    const seen: number[] = [];
    t.forEach((c) => {
      seen.push(c.srcPort - 1000);
      if (c.srcPort % 2 === 0) t.delete(c);
    });
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect([...t].map((c) => c.srcPort - 1000)).toEqual([1, 3, 5, 7, 9]);
    for (const c of t) t.delete(c);
    expect(t.size).toBe(0);
    expect([...t]).toEqual([]);
  });

  test("connections created during a walk are visited; a deleted-and-recreated key moves to the end", () => {
    const t = table(32);
    for (let n = 0; n < 3; n++) t.lookupOrCreate(k(n));
    const seen: number[] = [];
    t.forEach((c) => {
      seen.push(c.srcPort - 1000);
      if (c.srcPort === 1002) t.lookupOrCreate(k(3));
    });
    expect(seen).toEqual([0, 1, 2, 3]);
    t.delete(t.lookup(6, 0x0a000001, 0x0a000002, 1000, 80)!);
    t.lookupOrCreate(k(0));
    expect([...t].map((c) => c.srcPort - 1000)).toEqual([1, 2, 3, 0]);
  });

  test("deleting any connection mid-walk, including the next ones, never skips or repeats a live one", () => {
    const t = table(32);
    for (let n = 0; n < 10; n++) t.lookupOrCreate(k(n));
    const at = (n: number) => t.lookup(6, 0x0a000001, 0x0a000002, 1000 + n, 80)!;
    const seen: number[] = [];
    t.forEach((c) => {
      const n = c.srcPort - 1000;
      seen.push(n);
      if (n === 1) t.delete(at(2)); // the next one
      if (n === 3) {
        t.delete(c); // the current one, then its successor too
        t.delete(at(4));
      }
      if (n === 5) t.delete(at(0)); // one already visited
      if (n === 8) {
        t.delete(at(9)); // the last one, then the current one: the walk ends
        t.delete(c);
      }
    });
    expect(seen).toEqual([0, 1, 3, 5, 6, 7, 8]);
    expect([...t].map((c) => c.srcPort - 1000)).toEqual([1, 5, 6, 7]);
  });

  test("a walk whose current (last) connection is deleted still visits connections created after it", () => {
    const t = table(32);
    t.lookupOrCreate(k(0));
    const seen: number[] = [];
    for (const c of t) {
      seen.push(c.srcPort - 1000);
      if (c.srcPort === 1000) {
        t.delete(c);
        t.lookupOrCreate(k(1));
      }
    }
    expect(seen).toEqual([0, 1]);
  });

  test("nested walks and clear() during a walk", () => {
    const t = table(32);
    for (let n = 0; n < 4; n++) t.lookupOrCreate(k(n));
    const pairs: string[] = [];
    t.forEach((a) => {
      for (const b of t) {
        pairs.push(`${a.srcPort - 1000}${b.srcPort - 1000}`);
        if (b.srcPort === 1001 && a.srcPort === 1000) t.delete(b); // inner deletes outer's next
      }
    });
    expect(pairs).toEqual(["00", "01", "02", "03", "20", "22", "23", "30", "32", "33"]);
    let visits = 0;
    t.forEach(() => {
      visits++;
      t.clear();
    });
    expect(visits).toBe(1);
    expect(t.size).toBe(0);
    // Walks that ended (normally, by break, or by a throw) leave nothing behind.
    for (let n = 0; n < 3; n++) t.lookupOrCreate(k(n));
    for (const _ of t) break;
    expect(() =>
      t.forEach(() => {
        throw new Error("stop");
      }),
    ).toThrow("stop");
    t.forEach((c) => {
      t.delete(c);
    });
    expect(t.size).toBe(0);
  });

  test("clear empties the table and detaches old connections", () => {
    const evicted: number[] = [];
    const t = table(4, evicted);
    const a = t.lookupOrCreate(k(1))!;
    t.lookupOrCreate(k(2));
    t.clear();
    expect(t.size).toBe(0);
    expect([...t]).toEqual([]);
    expect(t.lookup(6, 0x0a000001, 0x0a000002, 1001, 80)).toBeUndefined();
    t.delete(a);
    for (let n = 0; n < 4; n++) t.lookupOrCreate(k(n));
    expect(t.size).toBe(4);
    expect(evicted).toEqual([]);
  });
});

describe("hashing under load", () => {
  test("60k distinct keys are all distinct and found again, across deletes", () => {
    const t = table(65536);
    const N = 60_000;
    const info = key(0, 0, 0, 0, 0);
    const at = (n: number) => {
      // Spread the difference across fields so every key word matters.
      info.ipProto = n % 3 === 0 ? 6 : 17;
      info.srcAddr = (0xc0a80000 + (n >>> 4)) >>> 0;
      info.dstAddr = 0x0a000001 + (n & 3);
      info.srcPort = (n * 7) & 0xffff;
      info.dstPort = 443;
      return info;
    };
    const ids: number[] = [];
    for (let n = 0; n < N; n++) ids.push(t.lookupOrCreate(at(n))!.id);
    expect(t.size).toBe(N);
    expect(new Set(ids).size).toBe(N);
    for (let n = 0; n < N; n++)
      if (t.lookupOrCreate(at(n))!.id !== ids[n]) expect.fail(`key ${n} not found again`);
    for (let n = 0; n < N; n += 2) t.delete(t.lookupOrCreate(at(n))!);
    for (let n = 0; n < N; n++) {
      const i = at(n);
      const c = t.lookup(i.ipProto, i.srcAddr, i.dstAddr, i.srcPort, i.dstPort);
      if ((c?.id ?? -1) !== (n % 2 ? ids[n] : -1)) expect.fail(`key ${n}: got ${c?.id}`);
    }
    expect(t.size).toBe(N / 2);
  });
});
