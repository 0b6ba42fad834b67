// Compiles a C program against the real headers (libbpf-dev, linux-libc-dev) and compares its sizeof/offsetof
// output with the declared layouts and constants, so a header or ABI change fails here, not in the kernel.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { HEADER_CONSTANTS } from "./constants.js";
import { LAYOUTS } from "./layouts.js";
import { cleanBpf, compileBpf } from "./testkit.fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "libbpf-ts-layout-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  cleanBpf();
});

function cProgram(): string {
  const lines = ["#include <stddef.h>", "#include <stdio.h>", "#include <poll.h>", "#include <linux/bpf.h>"];
  lines.push("#include <linux/btf.h>", "#include <bpf/bpf.h>", "#include <bpf/libbpf.h>", "int main(void) {");
  for (const l of LAYOUTS) {
    lines.push(`printf("%s sizeof %zu\\n", "${l.name}", sizeof(struct ${l.name}));`);
    for (const fld of Object.keys(l.fields)) {
      const m = `((struct ${l.name} *)0)->${fld}`;
      lines.push(
        `printf("%s.%s %zu %zu\\n", "${l.name}", "${fld}", offsetof(struct ${l.name}, ${fld}), sizeof(${m}));`,
      );
    }
  }
  for (const name of Object.keys(HEADER_CONSTANTS))
    lines.push(`printf("%s %llu\\n", "${name}", (unsigned long long)(unsigned int)(${name}));`);
  lines.push("return 0; }");
  return lines.join("\n");
}

let cache: Map<string, number[]> | undefined;

function measured(): Map<string, number[]> {
  cache ??= measure();
  return cache;
}

function measure(): Map<string, number[]> {
  compileBpf(); // installs clang & co. through the setup script if they are missing
  const src = join(dir, "layouts.c");
  const exe = join(dir, "layouts");
  writeFileSync(src, cProgram());
  execFileSync("cc", ["-I/usr/include/x86_64-linux-gnu", "-o", exe, src]);
  const out = new Map<string, number[]>();
  for (const line of execFileSync(exe, { encoding: "utf8" }).trim().split("\n")) {
    const [key, ...nums] = line.split(" ");
    out.set(key!, nums.filter((n) => n !== "sizeof").map(Number));
  }
  return out;
}

test("declared struct layouts match the C headers", () => {
  const c = measured();
  for (const l of LAYOUTS) {
    if (!l.partial) expect({ [l.name]: c.get(l.name)?.[0] }).toEqual({ [l.name]: l.size });
    else expect(c.get(l.name)?.[0]).toBeGreaterThanOrEqual(l.size);
    for (const [fld, { offset, size }] of Object.entries(l.fields))
      expect({ [`${l.name}.${fld}`]: c.get(`${l.name}.${fld}`) }).toEqual({
        [`${l.name}.${fld}`]: [offset, size],
      });
  }
});

test("declared constants match the C headers", () => {
  const c = measured();
  for (const [name, value] of Object.entries(HEADER_CONSTANTS))
    expect({ [name]: c.get(name)?.[0] }).toEqual({ [name]: value });
});
