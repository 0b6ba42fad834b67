import { afterAll, expect, test } from "vitest";
import { BpfObject, StateError, xdpContext } from "./index.js";
import { cleanBpf, compileBpf } from "./testkit.fixtures.js";

afterAll(cleanBpf);

test("testRun passes data and context in and copies them out, also for small on-heap buffers", () => {
  using obj = BpfObject.openFile(compileBpf());
  const prog = obj.program("xdp_rec");
  expect(() => prog.fd).toThrow(StateError);
  obj.load();
  for (const len of [14, 60, 200]) {
    const frame = Uint8Array.from({ length: len }, (_, i) => (i * 7) & 0xff); // own ArrayBuffer of len bytes
    const out = new Uint8Array(len);
    const ctxOut = new Uint8Array(24);
    const r = prog.testRun({ data: frame, dataOut: out, ctx: xdpContext(len, 1), ctxOut, repeat: 3 });
    expect(r.retval).toBe(2); // XDP_PASS
    expect(r.dataSizeOut).toBe(len);
    expect([...out]).toEqual([...frame]);
    expect(r.ctxSizeOut).toBe(24);
    expect(new DataView(ctxOut.buffer).getUint32(4, true)).toBe(len); // data_end
    expect(new DataView(ctxOut.buffer).getUint32(12, true)).toBe(1); // ingress_ifindex
  }
  expect(prog.name).toBe("xdp_rec");
  expect(prog.type).toBe(6); // BPF_PROG_TYPE_XDP
});

test("setAutoload(false) leaves a program unloaded", () => {
  using obj = BpfObject.openFile(compileBpf());
  obj.program("xdp_cfg").setAutoload(false);
  obj.load();
  expect(obj.program("xdp_rec").fd).toBeGreaterThan(0);
  expect(() => obj.program("xdp_cfg").fd).toThrow(/bpf_program__fd\(xdp_cfg\) failed/);
});
