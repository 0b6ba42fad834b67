// The embedded BPF object: decoded once, opened per capture/release so each has its own ring and settings.
import { Buffer } from "node:buffer";
import { BpfObject, LibbpfError, PermissionError } from "libbpf-ts";
import { CAPTURE_OBJECT_BASE64 } from "./capture-object.js";
import { AttachError, KernelSupportError, PrivilegeError } from "./errors.js";

let bytes: Uint8Array | undefined;

/** The stripped capture.bpf.o bytes (decoded from the generated base64 on first use). */
export function captureObjectBytes(): Uint8Array {
  bytes ??= new Uint8Array(Buffer.from(CAPTURE_OBJECT_BASE64, "base64"));
  return bytes;
}

/** What to load: which programs, ring size, wakeup threshold. */
export interface LoadOptions {
  /** Programs to load ("capture" is the tc program, "release" the XDP injector). */
  programs: readonly ("capture" | "release")[];
  /** Ring data size in bytes (power of two, multiple of the page size). */
  ringBytes: number;
  /** Backlog at which the kernel wakes the consumer; 0 = kernel's adaptive wakeups. */
  wakeupBytes: number;
  /** Who asks, for error messages (e.g. "tap:vnet0 capture"). */
  what: string;
}

/** Opens and loads the embedded object; libbpf failures become PrivilegeError / KernelSupportError / AttachError. */
export function loadCaptureObject(o: LoadOptions): BpfObject {
  const obj = BpfObject.openMem(captureObjectBytes(), "colod_capture");
  try {
    for (const name of ["capture", "release"] as const)
      obj.program(name).setAutoload(o.programs.includes(name));
    obj.map("rb").setMaxEntries(o.ringBytes);
    obj.setRodata({ wakeup_bytes: o.wakeupBytes });
    obj.load();
    return obj;
  } catch (e) {
    obj.close();
    throw loadError(o.what, e);
  }
}

/** Maps a libbpf load failure to this package's error (exported for tests). */
export function loadError(what: string, e: unknown): Error {
  if (e instanceof PermissionError)
    return new PrivilegeError(`${what}: loading the BPF program`, ["CAP_BPF", "CAP_NET_ADMIN"], e);
  if (e instanceof LibbpfError && (e.code === "EINVAL" || e.code === "EOPNOTSUPP" || e.code === "ENOTSUPP")) {
    return new KernelSupportError(
      `${what}: the kernel refused the BPF object (${e.message}); colod needs Linux >= 5.18 with BPF ring buffers and BTF`,
      e,
    );
  }
  return new AttachError(`${what}: loading the BPF object failed: ${(e as Error).message}`, e);
}
