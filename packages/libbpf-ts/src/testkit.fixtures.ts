// Test helpers: compile test-bpf/*.bpf.c with clang, create and delete throwaway network devices.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import v8 from "node:v8";
import vm from "node:vm";

const pkg = fileURLToPath(new URL("..", import.meta.url));
const root = join(pkg, "..", "..");
let dir: string | undefined;

function haveClang(): boolean {
  return spawnSync("clang", ["--version"]).status === 0;
}

/** Compile `test-bpf/<name>.bpf.c` once per process; returns the .o path. */
export function compileBpf(name = "test"): string {
  if (!haveClang()) execFileSync("bash", [join(root, "scripts", "setup-system.sh")], { stdio: "inherit" });
  dir ??= mkdtempSync(join(tmpdir(), "libbpf-ts-"));
  const out = join(dir, `${name}.bpf.o`);
  if (!existsSync(out)) {
    const src = join(pkg, "test-bpf", `${name}.bpf.c`);
    execFileSync("clang", [
      "-O2",
      "-g",
      "-target",
      "bpf",
      "-I/usr/include/x86_64-linux-gnu",
      "-c",
      src,
      "-o",
      out,
    ]);
  }
  return out;
}

/** Bytes of the compiled test object. */
export function testObjectBytes(): Uint8Array {
  return new Uint8Array(readFileSync(compileBpf()));
}

/** Remove the compiled objects. */
export function cleanBpf(): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
}

/** Run a command, returning stdout; throws with stderr on failure. */
export function sh(cmd: string, ...args: string[]): string {
  return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** Create an UP veth pair with names unique to this process; returns [device, peer]. */
export function addVeth(tag: string): [string, string] {
  const base = `lbt${tag}${process.pid % 100000}`.slice(0, 13);
  const [a, b] = [`${base}a`, `${base}b`];
  spawnSync("ip", ["link", "del", a]);
  sh("ip", "link", "add", a, "type", "veth", "peer", "name", b);
  sh("ip", "link", "set", a, "up");
  sh("ip", "link", "set", b, "up");
  return [a, b];
}

/** Delete a device (ignores a missing one). */
export function delLink(name: string): void {
  spawnSync("ip", ["link", "del", name]);
}

/** Number of the ifindex read from sysfs. */
export function sysIfindex(name: string): number {
  return Number(readFileSync(`/sys/class/net/${name}/ifindex`, "utf8"));
}

/** A full garbage collection: Bun.gc on Bun, V8's exposed gc() on Node and Deno. */
export function gcFunction(): () => void {
  const bun = (globalThis as { Bun?: { gc(sync: boolean): void } }).Bun;
  if (bun) return () => bun.gc(true);
  v8.setFlagsFromString("--expose_gc");
  return vm.runInNewContext("gc") as () => void;
}
