// Coalescing (SPEC 6) with a fake clock, sink failure isolation, and the in-process event sink.
import { expect, test } from "vitest";
import { type CheckpointRequest, eventSink, Notifier, type NotifySink, type SinkError } from "./index.js";

function recorder(name = "rec"): NotifySink & { got: CheckpointRequest[] } {
  const got: CheckpointRequest[] = [];
  return { name, got, send: (r) => void got.push(r) };
}

const conn = { proto: 6, src: "10.0.0.1", dst: "10.0.0.2", sport: 40000, dport: 80 };

test("one request goes out, the rest are held until holdMs has passed, then sent again", () => {
  let t = 1000;
  const rec = recorder();
  const n = new Notifier({ holdMs: 1000, now: () => t, sinks: [rec] });
  expect(n.request("divergence", conn)).toBe(true);
  t = 1500;
  expect(n.request("timeout")).toBe(false);
  t = 1999;
  expect(n.request("divergence", conn)).toBe(false);
  t = 2000;
  expect(n.request("queue-full", conn)).toBe(true);
  t = 2001;
  expect(n.request("table-full")).toBe(false);
  expect(rec.got).toEqual([
    { reason: "divergence", conn, at: 1000 },
    { reason: "queue-full", conn, at: 2000 },
  ]);
  expect(n.stats).toMatchObject({ requested: 5, sent: 2, coalesced: 3 });
  expect(n.stats.byReason).toEqual({ divergence: 2, timeout: 1, "queue-full": 1, "table-full": 1 });
});

test("checkpointDone() lets the next request out at once", () => {
  let t = 0;
  const rec = recorder();
  const n = new Notifier({ holdMs: 1000, now: () => t, sinks: [rec] });
  expect(n.request("divergence")).toBe(true);
  t = 10;
  expect(n.request("divergence")).toBe(false);
  n.checkpointDone();
  t = 20;
  expect(n.request("timeout")).toBe(true);
  t = 30;
  expect(n.request("timeout")).toBe(false);
  expect(rec.got.map((r) => [r.reason, r.at])).toEqual([
    ["divergence", 0],
    ["timeout", 20],
  ]);
  expect(rec.got[0]).not.toHaveProperty("conn");
  expect(n.stats.checkpoints).toBe(1);
});

test("a failing sink is counted and reported; other sinks and the caller are unaffected", async () => {
  let t = 0;
  const errors: SinkError[] = [];
  const rec = recorder();
  const throwing: NotifySink = {
    name: "throws",
    send: () => {
      throw new Error("sync boom");
    },
  };
  const rejecting: NotifySink = { name: "rejects", send: () => Promise.reject(new Error("async boom")) };
  const n = new Notifier({ holdMs: 100, now: () => t, sinks: [throwing, rejecting] });
  n.addSink(rec);
  n.on("sink-error", (e: SinkError) => errors.push(e));
  expect(n.request("divergence")).toBe(true);
  t = 100;
  expect(n.request("timeout")).toBe(true);
  await new Promise((r) => setTimeout(r, 0));
  expect(rec.got.length).toBe(2);
  expect(n.stats.sinkErrors).toBe(4);
  expect(errors.map((e) => [e.code, e.sink])).toEqual([
    ["ERR_NOTIFY_SINK", "throws"],
    ["ERR_NOTIFY_SINK", "throws"],
    ["ERR_NOTIFY_SINK", "rejects"],
    ["ERR_NOTIFY_SINK", "rejects"],
  ]);
  expect(errors[2]!.message).toContain("async boom");
});

test("the in-process request event and the event sink carry reason, conn and time", () => {
  const sink = eventSink();
  const viaSink: CheckpointRequest[] = [];
  const viaNotifier: CheckpointRequest[] = [];
  sink.emitter.on("request", (r: CheckpointRequest) => viaSink.push(r));
  const n = new Notifier({ holdMs: 1000, now: () => 42, sinks: [sink] });
  n.on("request", (r: CheckpointRequest) => viaNotifier.push(r));
  n.request("table-full", conn);
  n.request("table-full", conn);
  expect(viaSink).toEqual([{ reason: "table-full", conn, at: 42 }]);
  expect(viaNotifier).toEqual(viaSink);
});

test("the default clock is Date.now", () => {
  const rec = recorder();
  const before = Date.now();
  new Notifier({ holdMs: 1000, sinks: [rec] }).request("divergence");
  expect(rec.got[0]!.at).toBeGreaterThanOrEqual(before);
  expect(rec.got[0]!.at).toBeLessThanOrEqual(Date.now());
});
