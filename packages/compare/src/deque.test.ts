import fc from "fast-check";
import { expect, test } from "vitest";
import { Deque } from "./deque.js";
import { FC_SEED } from "./streams.fixtures.js";

test("Deque behaves like an array under push, shift, insertAt and removeAt, across growth and wrap", () => {
  const op = fc.oneof(
    fc.record({ k: fc.constant("push" as const), v: fc.nat() }),
    fc.record({ k: fc.constant("shift" as const) }),
    fc.record({ k: fc.constant("insert" as const), at: fc.nat(), v: fc.nat() }),
    fc.record({ k: fc.constant("remove" as const), at: fc.nat() }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
      const d = new Deque<number>(1);
      const model: number[] = [];
      for (const o of ops) {
        if (o.k === "push") {
          d.push(o.v);
          model.push(o.v);
        } else if (o.k === "insert") {
          const at = o.at % (model.length + 1);
          d.insertAt(at, o.v);
          model.splice(at, 0, o.v);
        } else if (model.length > 0) {
          const at = o.k === "shift" ? 0 : o.at % model.length;
          expect(o.k === "shift" ? d.shift() : d.removeAt(at)).toBe(model.splice(at, 1)[0]);
        }
        expect(d.length).toBe(model.length);
      }
      expect(Array.from({ length: d.length }, (_, i) => d.get(i))).toEqual(model);
    }),
    { seed: FC_SEED, numRuns: 300 },
  );
});
