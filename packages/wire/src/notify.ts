import { encode } from "./frame.js";

/** The notify_dev messages of QEMU's Xen COLO protocol: ASCII payloads without NUL, in the usual framing. */
export const NotifyMessage = {
  /** colod -> COLO frame: please take a checkpoint (divergence or timeout). */
  DO_CHECKPOINT: "DO_CHECKPOINT",
  /** COLO frame -> colod: a checkpoint happened, flush. */
  COLO_CHECKPOINT: "COLO_CHECKPOINT",
  /** COLO frame -> colod: handshake. */
  COLO_USERSPACE_PROXY_INIT: "COLO_USERSPACE_PROXY_INIT",
  /** colod -> COLO frame: reply to the handshake. */
  COLO_COMPARE_GET_XEN_INIT: "COLO_COMPARE_GET_XEN_INIT",
} as const;
export type NotifyMessage = (typeof NotifyMessage)[keyof typeof NotifyMessage];

const ALL = Object.values(NotifyMessage).map((m) => ({ msg: m, bytes: new TextEncoder().encode(m) }));

/** Payload bytes of a notify message. */
export function notifyPayload(msg: NotifyMessage): Uint8Array {
  return ALL.find((m) => m.msg === msg)!.bytes;
}

/**
 * A framed notify message as colod writes it: never with the vnet word, even when vnet_hdr_support is on
 * (QEMU writes notify frames without it but reads them with it; colod keeps that asymmetry for interop).
 */
export function encodeNotify(msg: NotifyMessage): Uint8Array {
  return encode(notifyPayload(msg), 0, { vnetHdr: false });
}

/** The message a payload carries, matched exactly (length and bytes, as QEMU does), or undefined. */
export function parseNotify(payload: Uint8Array): NotifyMessage | undefined {
  for (const m of ALL) {
    if (m.bytes.length !== payload.length) continue;
    let same = true;
    for (let i = 0; i < payload.length; i++) {
      if (payload[i] !== m.bytes[i]) {
        same = false;
        break;
      }
    }
    if (same) return m.msg;
  }
  return undefined;
}
