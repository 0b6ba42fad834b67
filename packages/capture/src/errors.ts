/** Base class of every error thrown by @colod/capture; `code` is stable, messages say what to do. */
export class CaptureError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The tap named in `tap:IFNAME` does not exist in this network namespace. */
export class InterfaceNotFoundError extends CaptureError {
  readonly ifname: string;
  constructor(ifname: string, cause?: unknown) {
    super(
      "ERR_CAPTURE_NO_INTERFACE",
      `tap:${ifname}: no such network interface in this namespace (is the VM running, and is the name right?)`,
      { cause },
    );
    this.ifname = ifname;
  }
}

/** The process lacks CAP_BPF / CAP_NET_ADMIN (or root) for loading and attaching BPF programs. */
export class PrivilegeError extends CaptureError {
  constructor(what: string, missing: readonly string[], cause?: unknown) {
    super(
      "ERR_CAPTURE_PRIVILEGE",
      `${what}: missing ${missing.join(" and ")}; run colod as root or grant them (e.g. systemd AmbientCapabilities=${missing.join(" ")})`,
      { cause },
    );
  }
}

/** The kernel lacks something capture needs (BPF ring buffer, TCX, XDP live frames, BTF...). */
export class KernelSupportError extends CaptureError {
  constructor(message: string, cause?: unknown) {
    super("ERR_CAPTURE_KERNEL", message, { cause });
  }
}

/** Loading or attaching the BPF program failed for another reason (the cause holds libbpf's error). */
export class AttachError extends CaptureError {
  constructor(message: string, cause?: unknown) {
    super("ERR_CAPTURE_ATTACH", message, { cause });
  }
}

/** A frame to release is longer than the tap's MTU allows or than the release path can carry. */
export class FrameTooLargeError extends CaptureError {
  readonly length: number;
  readonly limit: number;
  constructor(ifname: string, length: number, limit: number, why: string) {
    super(
      "ERR_CAPTURE_FRAME_TOO_LARGE",
      `tap:${ifname}: frame of ${length} bytes refused, the limit is ${limit} bytes (${why}); it was not sent`,
    );
    this.length = length;
    this.limit = limit;
  }
}

/** The kernel refused to re-inject a frame (the cause holds the errno). */
export class ReleaseError extends CaptureError {
  constructor(message: string, cause?: unknown) {
    super("ERR_CAPTURE_RELEASE", message, { cause });
  }
}

/** The capture or release handle was used after close(). */
export class ClosedError extends CaptureError {
  constructor(what: string) {
    super("ERR_CAPTURE_CLOSED", `${what} is closed`);
  }
}
