// TCX link owned by the process (a crash detaches it: fail-open), legacy tc filter on kernels < 6.6.
import { attachTc, attachTcx, type BpfProgram, LibbpfError, NotFoundError, PermissionError } from "libbpf-ts";
import { AttachError, InterfaceNotFoundError, KernelSupportError, PrivilegeError } from "./errors.js";
import { kernelAtLeast } from "./preflight.js";

/** How the program is hooked: "tcx" (kernel >= 6.6), legacy "tc", or "auto" (tcx when the kernel has it). */
export type AttachMode = "auto" | "tcx" | "tc";

/** A program attached to a tap's ingress. */
export interface Attachment {
  readonly kind: "tcx" | "tc";
  detach(): void;
}

/**
 * Attaches `prog` to `ifname`'s ingress; libbpf failures become this package's errors. "auto" falls back
 * to legacy tc when a >= 6.6 kernel was built without TCX (EINVAL from bpf_link_create).
 */
export function attachIngress(
  prog: BpfProgram,
  ifname: string,
  ifindex: number,
  mode: AttachMode,
): Attachment {
  if (mode === "tc" || (mode === "auto" && !kernelAtLeast(6, 6))) return attachLegacy(prog, ifname, ifindex);
  try {
    const link = attachTcx(prog, ifindex, "ingress");
    return { kind: "tcx", detach: () => link.close() };
  } catch (e) {
    if (mode === "auto" && e instanceof LibbpfError && e.code === "EINVAL")
      return attachLegacy(prog, ifname, ifindex);
    throw attachError(ifname, true, e);
  }
}

function attachLegacy(prog: BpfProgram, ifname: string, ifindex: number): Attachment {
  try {
    const filter = attachTc(prog, ifindex, { direction: "ingress", replace: true });
    return { kind: "tc", detach: () => void filter.detach() };
  } catch (e) {
    throw attachError(ifname, false, e);
  }
}

/** Maps a libbpf attach failure to this package's error (exported for tests). */
export function attachError(ifname: string, tcx: boolean, e: unknown): Error {
  const where = `tap:${ifname}: attaching the capture program (${tcx ? "TCX" : "tc clsact"})`;
  if (e instanceof PermissionError) return new PrivilegeError(where, ["CAP_BPF", "CAP_NET_ADMIN"], e);
  if (e instanceof NotFoundError) return new InterfaceNotFoundError(ifname, e);
  if (tcx && e instanceof LibbpfError && e.code === "EINVAL") {
    return new KernelSupportError(
      `${where}: the kernel has no TCX (needs >= 6.6 with CONFIG_NET_XGRESS); use attach "tc"`,
      e,
    );
  }
  return new AttachError(`${where} failed: ${(e as Error).message}`, e);
}
