// TCX (kernel >= 6.6) through the low-level bpf_link_create: libbpf 1.1 has no tcx API.
import { unlinkSync } from "node:fs";
import { BPF_TCX_EGRESS, BPF_TCX_INGRESS } from "./constants.js";
import { check, errnoError } from "./errors.js";
import { track, untrack } from "./lifetime.js";
import { libbpf, libc } from "./native.js";
import type { BpfProgram } from "./program.js";
import type { TcDirection } from "./tc.js";

const attachType = (d: TcDirection) => (d === "egress" ? BPF_TCX_EGRESS : BPF_TCX_INGRESS);

/**
 * A TCX link owned by this process: closing its fd (or the process dying) detaches the program, so a
 * crash fails open. `pin()` makes it outlive the process until `unpin`/unlink.
 */
export class TcxLink {
  #fd: number;
  /** @internal */
  constructor(
    fd: number,
    readonly ifindex: number,
    readonly direction: TcDirection,
  ) {
    this.#fd = fd;
    track(this, () => libc().call.close(fd));
  }

  /** Open a link pinned on bpffs (e.g. after a restart). */
  static fromPin(path: string, ifindex: number, direction: TcDirection): TcxLink {
    return new TcxLink(check(`bpf_obj_get(${path})`, libbpf().bpf_obj_get(path)), ifindex, direction);
  }

  /** The link fd (-1 once closed). */
  get fd(): number {
    return this.#fd;
  }

  /** Pin on bpffs (path under /sys/fs/bpf) so the attachment survives this process (fail-closed). */
  pin(path: string): void {
    check(`bpf_obj_pin(${path})`, libbpf().bpf_obj_pin(this.#fd, path), "is bpffs mounted on /sys/fs/bpf?");
  }

  /** Remove a pin; the link then lives only as long as open fds such as this one. */
  static unpin(path: string): void {
    unlinkSync(path);
  }

  /** Close the fd: detaches unless pinned elsewhere. */
  close(): void {
    if (this.#fd < 0) return;
    untrack(this);
    libc().call.close(this.#fd);
    this.#fd = -1;
  }

  /** Same as close(), for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }
}

/** Attach `prog` to the device's TCX hook; throws InvalidArgumentError naming kernel >= 6.6 if TCX is absent. */
export function attachTcx(prog: BpfProgram, ifindex: number, direction: TcDirection = "ingress"): TcxLink {
  const fd = libbpf().bpf_link_create(prog.fd, ifindex, attachType(direction), null);
  if (fd < 0) {
    const hint =
      fd === -22
        ? "TCX needs kernel >= 6.6 (CONFIG_NET_XGRESS) and a tc program; use attachTc on older kernels"
        : fd === -19
          ? `no device with ifindex ${ifindex}`
          : undefined;
    throw errnoError(`bpf_link_create(${prog.name}, ifindex ${ifindex}, tcx ${direction})`, -fd, hint);
  }
  return new TcxLink(fd, ifindex, direction);
}

/** Ids of the programs attached to a device's TCX hook, in run order. */
export function queryTcx(ifindex: number, direction: TcDirection = "ingress"): number[] {
  const ids = new Uint8Array(64 * 4);
  const cnt = new Uint8Array(64);
  const flags = new Uint8Array(64);
  new DataView(cnt.buffer).setUint32(0, 64, true);
  const r = libbpf().bpf_prog_query(ifindex, attachType(direction), 0, flags, ids, cnt);
  check(
    `bpf_prog_query(ifindex ${ifindex}, tcx ${direction})`,
    r,
    r === -19 ? `no device with ifindex ${ifindex}` : undefined,
  );
  const n = new DataView(cnt.buffer).getUint32(0, true);
  return Array.from(new Uint32Array(ids.buffer, 0, n));
}
