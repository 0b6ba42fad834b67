// One base error for the package; a subclass per errno family so callers can branch on `instanceof`.
import { errnoName } from "./errno.js";

/** Base of every error thrown by libbpf-ts; `code` is the errno name (e.g. "EPERM") or an ERR_* code. */
export class LibbpfError extends Error {
  /** Stable code: errno name ("ENOENT") or ERR_* for non-errno failures. */
  readonly code: string;
  /** Positive errno when the failure came from the kernel or libbpf, else 0. */
  readonly errno: number;
  /** The libbpf/libc call that failed, if any. */
  readonly call: string | undefined;
  /** libbpf warnings logged during the failed call (e.g. the verifier log of a failed load). */
  log: readonly string[] = [];
  constructor(message: string, code: string, opts: { errno?: number; call?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.errno = opts.errno ?? 0;
    this.call = opts.call;
  }
}

/** EPERM/EACCES: the process lacks CAP_BPF and CAP_NET_ADMIN (or root). */
export class PermissionError extends LibbpfError {}
/** ENOENT/ENODEV/ENXIO/ESRCH: a file, device, map, program or filter does not exist. */
export class NotFoundError extends LibbpfError {}
/** EINVAL/EOPNOTSUPP/ENOTSUPP/ERANGE/EBADF/EFAULT: bad argument or a kernel that lacks the feature. */
export class InvalidArgumentError extends LibbpfError {}
/** EEXIST/EBUSY: something is already attached or exists. */
export class ExistsError extends LibbpfError {}
/** ENOMEM/ENOSPC/EMFILE/ENFILE/E2BIG: out of memory, map space or file descriptors. */
export class ResourceError extends LibbpfError {}
/** libbpf failed to parse, relocate or verify the object (LIBBPF_ERRNO__* codes, verifier rejections). */
export class ObjectError extends LibbpfError {}
/** libbpf.so.1 (or libc) could not be loaded. */
export class LibraryMissingError extends LibbpfError {
  constructor(path: string, cause: unknown) {
    const denied = /allow-ffi|Requires ffi access|NotCapable|PermissionDenied/.test(String(cause));
    const what = denied
      ? "Deno denies FFI: run with --allow-ffi (or -A)"
      : "install libbpf >= 1.0 (Debian/Ubuntu: apt-get install libbpf1, or run bash scripts/setup-system.sh)";
    super(`cannot load ${path}: ${what}`, "ERR_LIBBPF_MISSING", { cause });
  }
}
/** The object, map, ring or link is used in the wrong state (closed, or after load when it must be before). */
export class StateError extends LibbpfError {
  constructor(message: string) {
    super(message, "ERR_STATE");
  }
}

const families: Array<[typeof LibbpfError, readonly string[]]> = [
  [PermissionError, ["EPERM", "EACCES"]],
  [NotFoundError, ["ENOENT", "ENODEV", "ENXIO", "ESRCH"]],
  [InvalidArgumentError, ["EINVAL", "EOPNOTSUPP", "ENOTSUPP", "ERANGE", "EBADF", "EFAULT"]],
  [ExistsError, ["EEXIST", "EBUSY"]],
  [ResourceError, ["ENOMEM", "ENOSPC", "EMFILE", "ENFILE", "E2BIG"]],
];

const hints: Record<string, string> = {
  EPERM: "needs CAP_BPF and CAP_NET_ADMIN",
  EACCES: "needs CAP_BPF and CAP_NET_ADMIN; the verifier may also have rejected the program",
};

/** Typed error for a libbpf call that returned `-errno` (or NULL with errno set). */
export function errnoError(call: string, errno: number, hint?: string): LibbpfError {
  const e = Math.abs(errno);
  const code = errnoName(e);
  const why = hint ?? hints[code];
  const msg = `${call} failed: ${code}${why ? ` (${why})` : ""}`;
  if (e >= 4000 && e < 4100) return new ObjectError(msg, code, { errno: e, call });
  const cls = families.find(([, codes]) => codes.includes(code))?.[0] ?? LibbpfError;
  return new cls(msg, code, { errno: e, call });
}

/** Throw a typed error when a libbpf int result is negative; returns it otherwise. */
export function check(call: string, ret: number, hint?: string): number {
  if (ret < 0) throw errnoError(call, -ret, hint);
  return ret;
}
