// The scenario data itself: valid, unique, and every difference from QEMU documented in docs/qemu-differences.md
// (and every differential scenario that document cites exists).
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { buildSteps, validateScenario } from "./scenario.js";
import { allScenarios } from "./scenarios/index.js";

const DOC = new URL("../../docs/qemu-differences.md", import.meta.url);

/** Ids in the first column of the document's tables, and the `diff:` scenarios each row cites. */
function readDifferences(): { ids: Set<string>; cited: string[] } {
  const ids = new Set<string>();
  const cited: string[] = [];
  for (const line of readFileSync(DOC, "utf8").split("\n")) {
    const row = /^\| `([a-z0-9-]+)` \|/.exec(line);
    if (!row) continue;
    ids.add(row[1]!);
    const diff = line.indexOf("diff:");
    if (diff < 0) continue;
    const cell = line.slice(diff, line.indexOf("|", diff) < 0 ? undefined : line.indexOf("|", diff));
    for (const m of cell.matchAll(/`([a-z0-9-]+)`/g)) cited.push(m[1]!);
  }
  return { ids, cited };
}

describe("differential scenarios", () => {
  test("there are at least 40, with unique ids", () => {
    const ids = allScenarios.map((s) => s.id);
    expect(ids.length).toBeGreaterThanOrEqual(40);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test("each one is well formed", () => {
    const problems = allScenarios.flatMap((sc, i) => validateScenario(sc, buildSteps(sc, i + 1)));
    expect(problems).toEqual([]);
  });

  test("every qemuDiffers id is an entry of docs/qemu-differences.md", () => {
    const { ids } = readDifferences();
    expect(ids.size).toBeGreaterThan(0);
    const missing = allScenarios.flatMap((sc) =>
      (sc.qemuDiffers ?? []).filter((id) => !ids.has(id)).map((id) => `${sc.id}: ${id}`),
    );
    expect(missing).toEqual([]);
  });

  test("every differential scenario the document cites exists", () => {
    const { cited } = readDifferences();
    expect(cited.length).toBeGreaterThan(0);
    const known = new Set(allScenarios.map((s) => s.id));
    expect(cited.filter((id) => !known.has(id))).toEqual([]);
  });
});
