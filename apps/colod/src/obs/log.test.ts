import { PassThrough } from "node:stream";
import { describe, expect, test } from "vitest";
import { createLogger, SUPPRESSED_EVENT } from "./log.js";

function memory() {
  const lines: string[] = [];
  return {
    lines,
    sink: { write: (l: string) => lines.push(l) },
    parsed: () => lines.map((l) => JSON.parse(l)),
  };
}

describe("Logger", () => {
  test("one JSON line per event: ts, level, event first, then base and own fields", () => {
    const m = memory();
    const log = createLogger({
      sink: m.sink,
      fields: { pid: 42 },
      now: () => Date.UTC(2026, 0, 2, 3, 4, 5, 678),
    });
    log.info("channel.connected", { channel: "primary-in", ts: "ignored", level: "ignored" });
    expect(m.lines).toEqual([
      '{"ts":"2026-01-02T03:04:05.678Z","level":"info","event":"channel.connected","pid":42,"channel":"primary-in"}\n',
    ]);
  });

  test("levels below the threshold are dropped; silent drops all; child loggers share the sink", () => {
    const m = memory();
    const log = createLogger({ sink: m.sink, level: "warn" });
    log.debug("a");
    log.info("b");
    log.warn("c");
    log.child({ instance: "colo0" }).error("d", { n: 1 });
    expect(m.parsed().map((l) => [l.level, l.event, l.instance])).toEqual([
      ["warn", "c", undefined],
      ["error", "d", "colo0"],
    ]);
    expect(log.enabled("info")).toBe(false);
    const quiet = memory();
    createLogger({ sink: quiet.sink, level: "silent" }).error("x");
    expect(quiet.lines).toEqual([]);
  });

  test("odd values never crash: bigint, circular, error cause chains, bytes, NaN, throwing getters", () => {
    const m = memory();
    const log = createLogger({ sink: m.sink });
    const circ: Record<string, unknown> = { name: "loop" };
    circ.self = circ;
    const inner = Object.assign(new Error("ECONNREFUSED"), { code: "ECONNREFUSED" });
    const err = new Error("connect outdev failed", { cause: inner });
    const getter = Object.defineProperty({}, "bad", {
      enumerable: true,
      get() {
        throw new Error("nope");
      },
    });
    log.error("odd", {
      big: 2n ** 64n,
      small: 5n,
      circ,
      err,
      bytes: new Uint8Array([0xde, 0xad]),
      nan: Number.NaN,
      fn: function hook() {},
      getter,
      undef: undefined,
    });
    const l = m.parsed()[0];
    expect(l.big).toBe("18446744073709551616");
    expect(l.small).toBe(5);
    expect(l.circ).toEqual({ name: "loop", self: "[Circular]" });
    expect(l.err).toEqual({
      name: "Error",
      message: "connect outdev failed",
      cause: { name: "Error", message: "ECONNREFUSED", code: "ECONNREFUSED" },
    });
    expect(l.bytes).toEqual({ bytes: 2, hex: "dead" });
    expect(l.nan).toBe("NaN");
    expect(l.fn).toBe("[function hook]");
    expect(l.getter.bad).toMatch(/getter threw: nope/);
    expect("undef" in l).toBe(false);
  });

  test("a sink that throws does not throw into the caller", () => {
    const log = createLogger({
      sink: {
        write() {
          throw new Error("EPIPE");
        },
      },
    });
    expect(() => log.error("x")).not.toThrow();
  });

  test("rate limit per event: N lines per window, then one summary with the suppressed count", () => {
    const m = memory();
    let t = 1_000_000;
    const log = createLogger({ sink: m.sink, maxPerWindow: 3, windowMs: 1000, now: () => t });
    for (let i = 0; i < 10; i++) log.warn("compare.divergence", { i });
    log.info("other.event"); // its own budget
    t += 1000; // next window
    log.warn("compare.divergence", { i: 10 });
    const got = m.parsed();
    expect(got.map((l) => l.event)).toEqual([
      "compare.divergence",
      "compare.divergence",
      "compare.divergence",
      "other.event",
      SUPPRESSED_EVENT,
      "compare.divergence",
    ]);
    expect(got[4]).toMatchObject({ level: "warn", key: "compare.divergence", suppressed: 7, windowMs: 1000 });
    expect(got[5].i).toBe(10);
  });

  test("children are limited separately and their summaries carry their fields", () => {
    const m = memory();
    const log = createLogger({ sink: m.sink, maxPerWindow: 1, now: () => 5000 });
    const a = log.child({ instance: "colo0" });
    const b = log.child({ instance: "colo1" });
    for (let i = 0; i < 4; i++) a.warn("compare.divergence");
    b.warn("compare.divergence"); // not silenced by colo0's flood
    log.child({ instance: "colo0" }).warn("compare.divergence"); // same fields: same budget, suppressed
    log.flush();
    const got = m.parsed().map((l) => [l.event, l.instance, l.suppressed]);
    expect(got).toEqual([
      ["compare.divergence", "colo0", undefined],
      ["compare.divergence", "colo1", undefined],
      [SUPPRESSED_EVENT, "colo0", 4],
    ]);
  });

  test("the summary comes by itself after the window when the flood stops, at error level for errors", async () => {
    const m = memory();
    const log = createLogger({ sink: m.sink, maxPerWindow: 1, windowMs: 50 });
    for (let i = 0; i < 5; i++) log.error("outdev.write_failed");
    expect(m.lines).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 200));
    const got = m.parsed();
    expect(got).toHaveLength(2);
    expect(got[1]).toMatchObject({
      level: "error",
      event: SUPPRESSED_EVENT,
      key: "outdev.write_failed",
      suppressed: 4,
    });
  });

  test("flush() reports pending suppressed counts at once; writes to a real stream", async () => {
    const stream = new PassThrough();
    let text = "";
    stream.on("data", (d) => {
      text += d;
    });
    const log = createLogger({ sink: stream, maxPerWindow: 2 });
    for (let i = 0; i < 5; i++) log.info("tick");
    log.flush();
    await new Promise((r) => setImmediate(r));
    const lines = text
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.event)).toEqual(["tick", "tick", SUPPRESSED_EVENT]);
    expect(lines[2].suppressed).toBe(3);
  });
});
