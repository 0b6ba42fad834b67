import { expect, test } from "vitest";
import { BPF_MAP_TYPE_RINGBUF, probeMapType, probeProgType, probeTcx } from "./index.js";

test("feature probes answer from the running kernel (6.18 here: everything present)", () => {
  expect(probeTcx()).toBe(true);
  expect(probeMapType(BPF_MAP_TYPE_RINGBUF)).toBe(true);
  expect(probeProgType(3)).toBe(true); // SCHED_CLS
  expect(probeProgType(6)).toBe(true); // XDP
  expect(probeMapType(0x7fff)).toBe(false); // no such map type
});
