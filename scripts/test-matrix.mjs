#!/usr/bin/env node
// Runs the whole vitest suite under Node, then Bun, then Deno (the binaries come from the `bun` and `deno`
// npm devDependencies) and prints one summary. Each run sets COLOD_EXPECT_RUNTIME, which the sentinel test
// (test/runtime.test.ts) checks against the runtime it actually finds itself on.
//   node scripts/test-matrix.mjs [--runtimes node,bun,deno] [vitest args...]
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const bin = (name) => join(root, "node_modules", ".bin", name);
const vitest = join(root, "node_modules", "vitest", "vitest.mjs");

const commands = {
  node: [process.execPath, [vitest, "run"]],
  bun: [bin("bun"), ["--bun", vitest, "run"]],
  deno: [bin("deno"), ["run", "-A", vitest, "run"]],
};

let args = process.argv.slice(2);
let runtimes = ["node", "bun", "deno"];
const i = args.indexOf("--runtimes");
if (i >= 0) {
  runtimes = args[i + 1].split(",");
  args = [...args.slice(0, i), ...args.slice(i + 2)];
}

const out = mkdtempSync(join(tmpdir(), "colod-matrix-"));
const rows = [];
for (const rt of runtimes) {
  const [cmd, base] = commands[rt] ?? [];
  if (!cmd) throw new Error(`unknown runtime ${rt}; expected node, bun or deno`);
  const json = join(out, `${rt}.json`);
  console.log(`\n=== ${rt}: ${[cmd, ...base].join(" ")} ===`);
  const t0 = Date.now();
  const r = spawnSync(
    cmd,
    [...base, "--reporter=default", "--reporter=json", `--outputFile.json=${json}`, ...args],
    {
      cwd: root,
      stdio: "inherit",
      env: { ...process.env, COLOD_EXPECT_RUNTIME: rt, FORCE_COLOR: process.env.FORCE_COLOR ?? "0" },
    },
  );
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  try {
    const rep = JSON.parse(readFileSync(json, "utf8"));
    passed = rep.numPassedTests;
    failed = rep.numFailedTests + (rep.numFailedTestSuites ?? 0);
    skipped = rep.numPendingTests + rep.numTodoTests;
  } catch {
    failed += 1; // no report means the runner itself died
  }
  const ok = r.status === 0 && failed === 0 && passed > 0;
  rows.push({ rt, ok, status: r.status, passed, failed, skipped, s: ((Date.now() - t0) / 1000).toFixed(1) });
}
rmSync(out, { recursive: true, force: true });

console.log("\nruntime  result  passed  failed  skipped  seconds");
for (const r of rows) {
  console.log(
    `${r.rt.padEnd(8)} ${(r.ok ? "ok" : `FAIL(${r.status})`).padEnd(7)} ${String(r.passed).padStart(6)}  ${String(r.failed).padStart(6)}  ${String(r.skipped).padStart(7)}  ${r.s.padStart(7)}`,
  );
}
const total = rows.reduce(
  (a, r) => ({ p: a.p + r.passed, f: a.f + r.failed + (r.ok ? 0 : r.failed ? 0 : 1), s: a.s + r.skipped }),
  { p: 0, f: 0, s: 0 },
);
console.log(`\n${total.p} passed, ${total.f} failed, ${total.s} skipped`);
process.exit(rows.every((r) => r.ok) ? 0 : 1);
