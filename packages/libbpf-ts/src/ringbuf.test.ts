import { afterAll, expect, test } from "vitest";
import type { WaitStrategy } from "./index.js";
import {
  BpfObject,
  defaultStrategy,
  ffi,
  InvalidArgumentError,
  RingBuffer,
  StateError,
  xdpContext,
} from "./index.js";
import { cleanBpf, compileBpf } from "./testkit.fixtures.js";

afterAll(cleanBpf);

function setup(tag = 0x5a5a5a5a, ringBytes = 64 * 1024) {
  const obj = BpfObject.openFile(compileBpf());
  obj.setRodata({ tag });
  obj.map("rb").setMaxEntries(ringBytes);
  obj.load();
  const prog = obj.program("xdp_rec");
  const send = (frame: Uint8Array, repeat = 1) =>
    prog.testRun({ data: frame, ctx: xdpContext(frame.length), repeat });
  return { obj, send };
}

const frameOf = (len: number, seed: number) => Uint8Array.from({ length: len }, (_, i) => (seed + i) & 0xff);

test("drain delivers every record in order with exact bytes, across the wrap, skipping discards", () => {
  const { obj, send } = setup(0x01020304, 4096);
  using ring = new RingBuffer(obj.map("rb"), { wait: "timer" });
  expect(ring.size).toBe(4096);
  const seen: number[][] = [];
  let sent = 0;
  // 12 rounds of odd-sized frames overrun a 4 KiB ring several times, so records wrap its end.
  for (let round = 0; round < 12; round++) {
    for (const len of [14, 15, 61, 129, 252, 300]) {
      send(frameOf(len, sent++));
      send(frameOf(14, 0xdd)); // starts with 0xdd: reserved then discarded by the program
    }
    ring.drain((data, at, len, view) => {
      expect(view.getUint32(at, true)).toBe(0x01020304);
      seen.push([...data.subarray(at + 4, at + len)]);
    });
  }
  expect(seen.length).toBe(sent);
  seen.forEach((bytes, i) => {
    const len = [14, 15, 61, 129, 252, 300][i % 6]!;
    expect(bytes).toEqual([...frameOf(Math.min(len, 252), i)]);
  });
  expect(ring.pending()).toBe(0);
  obj.close();
});

test("drain honours max and a handler returning false; readInto copies one record", () => {
  const { obj, send } = setup();
  using ring = new RingBuffer(obj.map("rb"), { wait: "timer" });
  send(frameOf(14, 0), 5);
  expect(ring.drain(() => {}, 2)).toBe(2);
  expect(ring.drain(() => false)).toBe(1);
  const dst = new Uint8Array(8);
  expect(ring.readInto(dst)).toBe(18);
  expect([...dst]).toEqual([0x5a, 0x5a, 0x5a, 0x5a, 0, 1, 2, 3]);
  expect(ring.drain(() => {})).toBe(1);
  expect(ring.readInto(dst)).toBe(-1);
  expect(ring.drain(() => {})).toBe(0);
  obj.close();
});

test("a handler that throws still consumes the record", () => {
  const { obj, send } = setup();
  using ring = new RingBuffer(obj.map("rb"), { wait: "timer" });
  send(frameOf(14, 0), 2);
  expect(() =>
    ring.drain(() => {
      throw new Error("boom");
    }),
  ).toThrow("boom");
  expect(ring.drain(() => {})).toBe(1);
  obj.close();
});

test("drain from a handler is refused; close from a handler is deferred until drain returns", () => {
  const { obj, send } = setup();
  const ring = new RingBuffer(obj.map("rb"), { wait: "timer" });
  send(frameOf(14, 0), 4);
  let nested: unknown;
  let seen = 0;
  ring.drain(() => {
    seen++;
    try {
      ring.drain(() => {});
    } catch (e) {
      nested = e;
    }
    ring.close(); // must not unmap under the running loop
  });
  expect(nested).toBeInstanceOf(StateError);
  expect(seen).toBe(1);
  expect(ring.pending()).toBe(0);
  expect(() => ring.drain(() => {})).toThrow(StateError);
  obj.close();
});

test("hot loops over the read-only producer page survive JIT compilation", () => {
  // Bun/JSC segfaulted on Atomics.load over PROT_READ memory once JIT-compiled; the reader uses plain
  // loads there. Enough iterations to reach the optimizing tiers on every engine.
  const { obj, send } = setup(1, 1 << 20);
  using ring = new RingBuffer(obj.map("rb"), { wait: "timer" });
  let n = 0;
  for (let i = 0; i < 100_000; i++) n += ring.pending() + ring.drain(() => {});
  send(frameOf(14, 0), 20_000); // 32-byte records: 640 KB, no overflow of the 1 MiB ring
  n += ring.drain(() => {}, 10_000); // one long loop over record headers (OSR)
  for (let i = 0; i < 10_000; i++) n += ring.drain(() => {}, 1); // many short calls
  expect(n).toBe(20_000);
  obj.close();
});

test("the ring outlives its object until ring.close(), and waits keep blocking instead of spinning", async () => {
  const { obj, send } = setup();
  const ring = new RingBuffer(obj.map("rb"), { wait: defaultStrategy() });
  send(frameOf(14, 0), 3);
  obj.close(); // the ring holds its own fd and mappings
  expect(ring.drain(() => {})).toBe(3);
  const t0 = Date.now();
  expect(await ring.wait(50)).toBe(false); // a closed fd would make poll return at once, forever
  expect(Date.now() - t0).toBeGreaterThanOrEqual(40);
  ring.close();
});

test("non-ringbuf map and closed ring are rejected", () => {
  const { obj } = setup();
  expect(() => new RingBuffer(obj.map("kv"))).toThrow(InvalidArgumentError);
  const ring = new RingBuffer(obj.map("rb"), { wait: "timer" });
  ring.close();
  ring.close();
  expect(() => ring.drain(() => {})).toThrow(StateError);
  obj.close();
});

const strategies: WaitStrategy[] = ffi.caps.asyncCall ? ["timer", "async", "worker"] : ["timer", "worker"];

test.each(strategies)(
  "wait(%s) times out when idle and wakes on data without blocking the loop",
  async (wait) => {
    const { obj, send } = setup();
    using ring = new RingBuffer(obj.map("rb"), { wait });
    const t0 = Date.now();
    expect(await ring.wait(30)).toBe(false);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(25);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 2);
    const woke = ring.wait(2000);
    setTimeout(() => send(frameOf(20, 0)), 40);
    expect(await woke).toBe(true);
    clearInterval(timer);
    // The loop kept running while waiting: the send timer fired (or wait would have timed out) and so did
    // the interval, however loaded the machine is.
    expect(ticks).toBeGreaterThan(0);
    expect(ring.drain(() => {})).toBe(1);
    expect(await ring.wait(0)).toBe(false);
    obj.close();
  },
);

test("run() drains as records arrive until aborted", async () => {
  const { obj, send } = setup();
  using ring = new RingBuffer(obj.map("rb"));
  const ac = new AbortController();
  let got = 0;
  const done = ring.run(
    () => {
      if (++got === 30) ac.abort();
    },
    { signal: ac.signal, timeoutMs: 20 },
  );
  for (let i = 0; i < 3; i++) {
    await new Promise((ok) => setTimeout(ok, 10));
    send(frameOf(20, i), 10);
  }
  await done;
  expect(got).toBe(30);
  obj.close();
});

test("default wait strategy per runtime", () => {
  expect(defaultStrategy()).toBe(ffi.runtime === "bun" ? "worker" : "async");
});
