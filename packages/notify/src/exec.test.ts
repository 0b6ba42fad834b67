// The exec hook with real processes: environment, failures, one run at a time, timeout.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, onTestFinished, test } from "vitest";
import { type ExecHookError, execSink, Notifier } from "./index.js";

const conn = { proto: 17, src: "192.168.1.10", dst: "192.168.1.20", sport: 5353, dport: 53 };
const tmp = () => join(mkdtempSync(join(tmpdir(), "colod-notify-")), "env.txt");

test("the command runs with the request in COLOD_* variables", async () => {
  const out = tmp();
  const sink = execSink({
    command: "sh",
    args: ["-c", 'env | grep -E "^COLOD_(REASON|TIME|CONN_)" | sort > "$1"', "sh", out],
  });
  await sink.send({ reason: "divergence", conn, at: 1700000000123 });
  expect(readFileSync(out, "utf8").trim().split("\n")).toEqual([
    "COLOD_CONN_DPORT=53",
    "COLOD_CONN_DST=192.168.1.20",
    "COLOD_CONN_PROTO=17",
    "COLOD_CONN_SPORT=5353",
    "COLOD_CONN_SRC=192.168.1.10",
    "COLOD_REASON=divergence",
    "COLOD_TIME=1700000000123",
  ]);
  expect(sink.stats).toEqual({ started: 1, succeeded: 1, failed: 0, skipped: 0 });
});

test("without a connection only COLOD_REASON and COLOD_TIME are set, even if the daemon inherited others", async () => {
  const out = tmp();
  process.env.COLOD_CONN_SRC = "1.2.3.4"; // e.g. colod itself started from a hook
  onTestFinished(() => {
    delete process.env.COLOD_CONN_SRC;
  });
  const sink = execSink({
    command: "sh",
    args: ["-c", 'env | grep -E "^COLOD_(REASON|TIME|CONN_)" | sort > "$1"', "sh", out],
  });
  await sink.send({ reason: "timeout", at: 5 });
  expect(readFileSync(out, "utf8").trim().split("\n")).toEqual(["COLOD_REASON=timeout", "COLOD_TIME=5"]);
});

test("a failing command is counted and reported with its status and stderr, never thrown", async () => {
  const errors: ExecHookError[] = [];
  const sink = execSink({
    command: "sh",
    args: ["-c", "echo boom >&2; exit 3"],
    onError: (e) => errors.push(e),
  });
  await expect(sink.send({ reason: "divergence", at: 0 })).resolves.toBeUndefined();
  expect(sink.stats.failed).toBe(1);
  expect(errors[0]!.code).toBe("ERR_NOTIFY_EXEC");
  expect(errors[0]!.message).toMatch(/status 3.*boom/);
});

test("a missing command is reported; through the Notifier nothing reaches the caller", async () => {
  const errors: ExecHookError[] = [];
  const sink = execSink({ command: "/nonexistent/colod-hook", onError: (e) => errors.push(e) });
  const n = new Notifier({ holdMs: 0, sinks: [sink] });
  expect(n.request("queue-full")).toBe(true);
  await new Promise<void>((r) => {
    const poll = () => (errors.length > 0 ? r() : setTimeout(poll, 5));
    poll();
  });
  expect(errors[0]!.message).toContain("/nonexistent/colod-hook");
  expect(sink.stats.failed).toBe(1);
  expect(n.stats.sinkErrors).toBe(0);
});

test("at most one run at a time: requests during a run are skipped and counted", async () => {
  const sink = execSink({ command: "sh", args: ["-c", "sleep 0.3"] });
  const a = sink.send({ reason: "divergence", at: 0 });
  const b = sink.send({ reason: "divergence", at: 1 });
  await Promise.all([a, b]);
  expect(sink.stats).toEqual({ started: 1, succeeded: 1, failed: 0, skipped: 1 });
  await sink.send({ reason: "divergence", at: 2 });
  expect(sink.stats.started).toBe(2);
});

test("a command past its timeout is killed and counted as failed", async () => {
  const errors: ExecHookError[] = [];
  const sink = execSink({ command: "sleep", args: ["5"], timeoutMs: 100, onError: (e) => errors.push(e) });
  await sink.send({ reason: "timeout", at: 0 });
  expect(sink.stats.failed).toBe(1);
  expect(errors[0]!.message).toContain("killed (SIGTERM) after the 100 ms timeout");
});
