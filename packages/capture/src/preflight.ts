// Start-up checks that turn "EPERM from bpf(2)" into one clear message before anything is loaded.
import { readFileSync } from "node:fs";
import { release } from "node:os";
import { ifindex as nameToIndex } from "libbpf-ts";
import { InterfaceNotFoundError, KernelSupportError, PrivilegeError } from "./errors.js";

const CAP_NET_ADMIN = 12n;
const CAP_SYS_ADMIN = 21n;
const CAP_BPF = 39n;

/** Kernel version as [major, minor] from uname's release string (e.g. "6.18.44-foo" -> [6, 18]). */
export function kernelVersion(rel = release()): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(rel);
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

/** Whether the running kernel is at least major.minor. */
export function kernelAtLeast(major: number, minor: number, rel?: string): boolean {
  const [a, b] = kernelVersion(rel);
  return a > major || (a === major && b >= minor);
}

/** Effective capability set of this process (from /proc/self/status), as a bit mask. */
export function effectiveCaps(status = readFileSync("/proc/self/status", "utf8")): bigint {
  const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(status);
  return m ? BigInt(`0x${m[1]}`) : 0n;
}

/** Capabilities missing for loading, attaching and test-running BPF programs on a device. */
export function missingCaps(caps = effectiveCaps()): string[] {
  const has = (bit: bigint) => (caps >> bit) & 1n;
  const missing: string[] = [];
  if (!has(CAP_BPF) && !has(CAP_SYS_ADMIN)) missing.push("CAP_BPF");
  if (!has(CAP_NET_ADMIN)) missing.push("CAP_NET_ADMIN");
  return missing;
}

/** Throws PrivilegeError when CAP_BPF or CAP_NET_ADMIN is missing. */
export function checkPrivileges(what: string): void {
  const missing = missingCaps();
  if (missing.length > 0) throw new PrivilegeError(what, missing);
}

/** Throws KernelSupportError when the kernel is older than the feature needs. */
export function checkKernel(feature: string, major: number, minor: number, rel = release()): void {
  if (!kernelAtLeast(major, minor, rel)) {
    throw new KernelSupportError(`${feature} needs Linux >= ${major}.${minor}; this kernel is ${rel}`);
  }
}

/** A tap as the kernel knows it: index and MTU. */
export interface TapInfo {
  ifname: string;
  ifindex: number;
  mtu: number;
}

/** Looks the interface up; throws InterfaceNotFoundError when it does not exist. */
export function tapInfo(ifname: string): TapInfo {
  let ifindex: number;
  try {
    ifindex = nameToIndex(ifname);
  } catch (e) {
    throw new InterfaceNotFoundError(ifname, e);
  }
  return { ifname, ifindex, mtu: readMtu(ifname) };
}

/** The device MTU from sysfs (1500 when sysfs does not show this namespace's device). */
export function readMtu(ifname: string): number {
  try {
    return Number(readFileSync(`/sys/class/net/${ifname}/mtu`, "utf8"));
  } catch {
    return 1500;
  }
}
