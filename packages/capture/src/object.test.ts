// The embedded object is what the C source builds to (deterministic build), and has what the code expects.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { BpfObject } from "libbpf-ts";
import { describe, expect, test } from "vitest";
import { captureObjectBytes } from "./object.js";

const script = fileURLToPath(new URL("../scripts/build-bpf.sh", import.meta.url));
const noClang = spawnSync("sh", ["-c", "command -v clang && command -v llvm-strip"]).status !== 0;

describe("embedded capture.bpf.o", () => {
  test.skipIf(noClang)("rebuilding bpf/capture.bpf.c gives the embedded bytes exactly", () => {
    const dir = mkdtempSync(join(tmpdir(), "colod-bpf-"));
    try {
      const out = join(dir, "capture.bpf.o");
      const r = spawnSync("bash", [script, out], { encoding: "utf8" });
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      const rebuilt = new Uint8Array(readFileSync(out));
      // If this fails, bpf/capture.bpf.c changed without running scripts/build-bpf.sh.
      expect(Buffer.compare(rebuilt, captureObjectBytes())).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("is a BPF ELF with the programs, maps and settings the package uses", () => {
    const bytes = captureObjectBytes();
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0x7f, 0x45, 0x4c, 0x46]);
    expect(bytes[18]).toBe(247); // e_machine EM_BPF
    const obj = BpfObject.openMem(bytes, "colod_capture");
    try {
      expect(obj.programNames().sort()).toEqual(["capture", "release"]);
      for (const m of ["rb", "scratch_map", "cfg", "stats"]) expect(obj.map(m).name).toBe(m);
      expect([...obj.variables().keys()].sort()).toEqual(["release_magic", "wakeup_bytes"]);
      expect(obj.map("cfg").valueSize).toBe(8);
      expect(obj.map("stats").maxEntries).toBe(7);
    } finally {
      obj.close();
    }
  });
});
