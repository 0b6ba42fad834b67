// The sentinel of the runtime matrix: scripts/test-matrix.mjs sets COLOD_EXPECT_RUNTIME for each run, and
// this test fails if the suite is not really running there (a runner that silently falls back to Node).
import { describe, expect, test } from "vitest";
import { currentRuntime } from "./harness/runtime.js";

describe("runtime sentinel", () => {
  const expected = process.env.COLOD_EXPECT_RUNTIME ?? "node";

  test(`runs on ${expected}`, () => {
    const g = globalThis as { Bun?: unknown; Deno?: unknown };
    const seen = g.Bun ? "bun" : g.Deno ? "deno" : "node";
    console.log(`runtime sentinel: expected ${expected}, running on ${seen} (${currentRuntime().version})`);
    expect(seen).toBe(expected);
    expect(currentRuntime().name).toBe(expected);
  });

  test("the runtime's own version field agrees", () => {
    const v = process.versions as Record<string, string | undefined>;
    if (expected === "bun") expect(v.bun).toMatch(/^\d+\.\d+/);
    else if (expected === "deno") expect(v.deno).toMatch(/^\d+\.\d+/);
    else {
      expect(v.bun).toBeUndefined();
      expect(v.deno).toBeUndefined();
    }
  });
});
