// Start-up feature probes: ask the kernel rather than infer from its version (backports, config options).
import { BPF_TCX_INGRESS } from "./constants.js";
import { errnoError } from "./errors.js";
import { libbpf } from "./native.js";

const EINVAL = 22;
const EOPNOTSUPP = 95;
const LOOPBACK_IFINDEX = 1; // every network namespace has lo at ifindex 1

/** Whether the kernel has TCX hooks (>= 6.6 with CONFIG_NET_XGRESS): queries lo's TCX ingress. */
export function probeTcx(): boolean {
  const cnt = new Uint8Array(64);
  const r = libbpf().bpf_prog_query(LOOPBACK_IFINDEX, BPF_TCX_INGRESS, 0, null, null, cnt);
  if (r === 0) return true;
  if (r === -EINVAL) return false;
  throw errnoError("bpf_prog_query(lo, tcx ingress)", -r);
}

/** Whether the kernel supports a map type (`BPF_MAP_TYPE_*`), e.g. BPF_MAP_TYPE_RINGBUF (>= 5.8). */
export function probeMapType(type: number): boolean {
  return probeResult(`libbpf_probe_bpf_map_type(${type})`, libbpf().libbpf_probe_bpf_map_type(type, null));
}

/** Whether the kernel supports a program type (`BPF_PROG_TYPE_*`), e.g. 3 (SCHED_CLS) or 6 (XDP). */
export function probeProgType(type: number): boolean {
  return probeResult(`libbpf_probe_bpf_prog_type(${type})`, libbpf().libbpf_probe_bpf_prog_type(type, null));
}

function probeResult(call: string, r: number): boolean {
  if (r === 1) return true;
  if (r === 0 || r === -EOPNOTSUPP || r === -EINVAL) return false;
  throw errnoError(call, -r);
}
