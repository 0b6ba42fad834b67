// Legacy tc (clsact + direct-action cls_bpf) attach that only ever removes its own filter.
import { BPF_TC_EGRESS, BPF_TC_F_REPLACE, BPF_TC_INGRESS } from "./constants.js";
import { check, NotFoundError } from "./errors.js";
import { BPF_TC_HOOK, BPF_TC_OPTS, Struct } from "./layouts.js";
import { libbpf } from "./native.js";
import type { BpfProgram } from "./program.js";

const EEXIST = 17;
const ENOENT = 2;
const EINVAL = 22;

/** Hook side of the device: ingress is what the device receives (for a tap: what the guest sends). */
export type TcDirection = "ingress" | "egress";

/** Options of `attachTc`. */
export interface TcOptions {
  /** Default "ingress". */
  readonly direction?: TcDirection;
  /** Filter handle; 0 lets the kernel choose (default 1). */
  readonly handle?: number;
  /** Filter priority; 0 lets the kernel choose (default 1). */
  readonly priority?: number;
  /** Take over an existing filter at the same handle/priority, e.g. one left by a crashed process (default true). */
  readonly replace?: boolean;
}

function hook(ifindex: number, direction: TcDirection): Struct<keyof typeof BPF_TC_HOOK.fields> {
  return new Struct(BPF_TC_HOOK)
    .set("ifindex", ifindex)
    .set("attach_point", direction === "egress" ? BPF_TC_EGRESS : BPF_TC_INGRESS);
}

/**
 * A cls_bpf filter we attached. It outlives the process (fail-closed); `detach()` removes exactly this
 * handle/priority, and only if it still runs our program. The clsact qdisc and other filters stay.
 */
export class TcAttachment {
  #attached = true;
  /** @internal */
  constructor(
    readonly ifindex: number,
    readonly direction: TcDirection,
    readonly handle: number,
    readonly priority: number,
    readonly progId: number,
  ) {}

  /** Whether our program is still the one attached at our handle/priority. */
  isAttached(): boolean {
    return this.#attached && this.#current() === this.progId;
  }

  /**
   * Remove our filter; false if it was gone (also with its device) or replaced by someone else, in which
   * case it is left alone.
   */
  detach(): boolean {
    if (!this.#attached) return false;
    this.#attached = false;
    if (this.#current() !== this.progId) return false;
    const opts = new Struct(BPF_TC_OPTS).set("handle", this.handle).set("priority", this.priority);
    const r = libbpf().bpf_tc_detach(hook(this.ifindex, this.direction).bytes, opts.bytes);
    if (r === -ENOENT) return false;
    check(`bpf_tc_detach(ifindex ${this.ifindex} ${this.direction})`, r);
    return true;
  }

  /** Same as detach(), for `using`. */
  [Symbol.dispose](): void {
    this.detach();
  }

  // The program id at our slot; 0 once the device itself is gone (its filters went with it).
  #current(): number {
    try {
      return queryTc(this.ifindex, this.direction, this.handle, this.priority);
    } catch (e) {
      if (e instanceof NotFoundError) return 0;
      throw e;
    }
  }
}

/** Program id of the filter at handle/priority, or 0 if none. */
export function queryTc(ifindex: number, direction: TcDirection, handle: number, priority: number): number {
  const opts = new Struct(BPF_TC_OPTS).set("handle", handle).set("priority", priority);
  const r = libbpf().bpf_tc_query(hook(ifindex, direction).bytes, opts.bytes);
  // ENOENT: no filter at that priority. EINVAL: no filter chain left at all (the kernel frees an empty
  // chain), since libbpf's own argument checks only reject a zero handle or priority.
  if (r === -ENOENT || (r === -EINVAL && handle > 0 && priority > 0)) return 0;
  check(`bpf_tc_query(ifindex ${ifindex} ${direction})`, r);
  return opts.get("prog_id");
}

/** Attach `prog` (a tc/SCHED_CLS program) as a direct-action filter; creates clsact if missing. */
export function attachTc(prog: BpfProgram, ifindex: number, o: TcOptions = {}): TcAttachment {
  const direction = o.direction ?? "ingress";
  const h = hook(ifindex, direction);
  const where = `ifindex ${ifindex} ${direction}`;
  const c = libbpf().bpf_tc_hook_create(h.bytes);
  if (c !== -EEXIST)
    check(
      `bpf_tc_hook_create(${where})`,
      c,
      c === -22 || c === -19 ? `no device with ifindex ${ifindex}?` : undefined,
    );
  const opts = new Struct(BPF_TC_OPTS)
    .set("prog_fd", prog.fd)
    .set("flags", o.replace === false ? 0 : BPF_TC_F_REPLACE)
    .set("handle", o.handle ?? 1)
    .set("priority", o.priority ?? 1);
  check(`bpf_tc_attach(${prog.name}, ${where})`, libbpf().bpf_tc_attach(h.bytes, opts.bytes));
  return new TcAttachment(ifindex, direction, opts.get("handle"), opts.get("priority"), opts.get("prog_id"));
}
