// Real privilege failures: a child of the same runtime runs as uid 65534, with and without
// CAP_BPF + CAP_NET_ADMIN, and reports what BpfObject.load() does.
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, test } from "vitest";
import { detectRuntime } from "./index.js";
import { cleanBpf, compileBpf } from "./testkit.fixtures.js";

const pkg = fileURLToPath(new URL("..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "libbpf-ts-priv-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  cleanBpf();
});

function runAsNobody(caps: string[]): Record<string, unknown> {
  const obj = join(dir, "test.bpf.o");
  copyFileSync(compileBpf(), obj);
  chmodSync(dir, 0o755);
  chmodSync(obj, 0o644);
  const rt = detectRuntime() === "deno" ? [process.execPath, "run", "-A"] : [process.execPath];
  const set = ["-all", ...caps.map((c) => `+${c}`)].join(",");
  const args = [
    "--reuid=65534",
    "--regid=65534",
    "--clear-groups",
    `--inh-caps=${set}`,
    `--ambient-caps=${set}`,
  ];
  const child = [join(pkg, "scripts", "run-ts.mjs"), join(pkg, "src", "eperm-child.fixtures.ts"), obj];
  const r = spawnSync("setpriv", [...args, ...rt, ...child], { encoding: "utf8", timeout: 30_000 });
  const line = r.stdout.trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`child failed (status ${r.status}): ${r.stdout}\n${r.stderr}`);
  }
}

test("without CAP_BPF/CAP_NET_ADMIN load() and probeTcx() throw PermissionError naming the capabilities", () => {
  const eperm = (call: string) => ({
    name: "PermissionError",
    code: "EPERM",
    base: true,
    message: `${call} failed: EPERM (needs CAP_BPF and CAP_NET_ADMIN)`,
  });
  expect(runAsNobody([])).toEqual({
    load: eperm("bpf_object__load(test)"),
    probeTcx: eperm("bpf_prog_query(lo, tcx ingress)"),
  });
});

test("CAP_BPF + CAP_NET_ADMIN are enough to load and probe as an unprivileged user", () => {
  expect(runAsNobody(["bpf", "net_admin"])).toEqual({ load: { ok: true }, probeTcx: { ok: true } });
});
