import { afterAll, expect, test } from "vitest";
import { BpfObject, LibbpfRingBuffer, StateError, xdpContext } from "./index.js";
import { cleanBpf, compileBpf } from "./testkit.fixtures.js";

afterAll(cleanBpf);

test("libbpf's ring_buffer__* delivers the same records through a callback", () => {
  using obj = BpfObject.openFile(compileBpf());
  obj.setRodata({ tag: 0x11223344 });
  obj.load();
  const got: number[][] = [];
  const rb = new LibbpfRingBuffer(obj.map("rb"), (data) => got.push([...data]));
  const prog = obj.program("xdp_rec");
  for (const len of [14, 33, 100]) {
    const frame = Uint8Array.from({ length: len }, (_, i) => i);
    prog.testRun({ data: frame, ctx: xdpContext(len) });
  }
  expect(rb.poll(100)).toBe(3);
  expect(got.map((r) => r.length)).toEqual([18, 37, 104]);
  expect(got[1]!.slice(0, 6)).toEqual([0x44, 0x33, 0x22, 0x11, 0, 1]);
  expect(rb.consume()).toBe(0);
  expect(rb.epollFd).toBeGreaterThan(0);
  rb.close();
  rb.close();
  expect(() => rb.consume()).toThrow(StateError);
});
