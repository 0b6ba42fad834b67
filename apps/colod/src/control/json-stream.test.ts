import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { JsonStream } from "./json-stream.js";

const all = (s: JsonStream, ...chunks: (string | Uint8Array)[]) => chunks.flatMap((c) => s.push(c));

describe("JsonStream", () => {
  test("one text per line, several per line, nested brackets and brackets inside strings", () => {
    expect(all(new JsonStream(), '{"a":1}\n{"b":[1,{"c":2}]}{"d":"}{]["}\n')).toEqual([
      '{"a":1}',
      '{"b":[1,{"c":2}]}',
      '{"d":"}{]["}',
    ]);
  });

  test("a newline ends a truncated text, so the next line starts clean", () => {
    expect(all(new JsonStream(), '{"execute":\n{"execute":"x"}\n')).toEqual([
      '{"execute":',
      '{"execute":"x"}',
    ]);
  });

  test("bare tokens end at whitespace; escaped quotes stay inside strings", () => {
    expect(all(new JsonStream(), 'garbage 42\ttrue\r\n"a\\"b"\n')).toEqual([
      "garbage",
      "42",
      "true",
      '"a\\"b"',
    ]);
  });

  test("multibyte UTF-8 split across chunks is decoded once whole", () => {
    const bytes = new TextEncoder().encode('{"s":"✓é"}\n');
    const s = new JsonStream();
    const out = [...bytes].flatMap((b) => s.push(new Uint8Array([b])));
    expect(out).toEqual(['{"s":"✓é"}']);
  });

  test("an over-long text is reported once and skipped up to the end of its line", () => {
    const s = new JsonStream(16);
    expect(all(s, `{"a":"${"x".repeat(40)}"}`, ' trailing junk\n{"ok":1}\n')).toEqual([
      { overflow: true },
      '{"ok":1}',
    ]);
  });

  test("property: any chunking of the input gives the same texts", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.array(fc.nat(200), { maxLength: 8 }), (text, cuts) => {
        const whole = new JsonStream(64).push(text);
        const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
        const s = new JsonStream(64);
        const parts: unknown[] = [];
        let last = 0;
        for (const p of [...points, text.length]) {
          parts.push(...s.push(text.slice(last, p)));
          last = p;
        }
        expect(parts).toEqual(whole);
      }),
    );
  });

  test("property: JSON values written one per line come back exactly", () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue(), { maxLength: 10 }), (values) => {
        const texts = values.map((v) => JSON.stringify(v));
        const got = new JsonStream().push(texts.map((t) => `${t}\n`).join(""));
        expect(got.map((t) => JSON.parse(t as string))).toEqual(
          values.map((v) => JSON.parse(JSON.stringify(v))),
        );
      }),
    );
  });
});
