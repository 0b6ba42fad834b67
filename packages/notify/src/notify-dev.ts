// QEMU's notify_dev protocol (qemu-colo.md 4.8) on a socket endpoint: DO_CHECKPOINT out, COLO_CHECKPOINT in,
// the Xen handshake answered. Written without the vnet word, read with it iff vnetHdr (QEMU's asymmetry).
import {
  type Channel,
  type ChannelEvent,
  type Endpoint,
  NotifyMessage,
  notifyPayload,
  openChannel,
  parseNotify,
} from "@colod/wire";
import { UnsupportedInstructionError } from "./errors.js";
import type { CheckpointRequest, NotifySink } from "./types.js";

/** Settings of the notify_dev sink; `vnetHdr` is the daemon's --vnet-hdr-support. */
export interface NotifyDevOptions {
  endpoint: Endpoint;
  vnetHdr: boolean;
  /** COLO_CHECKPOINT arrived: flush (release held primary frames) and tell the Notifier checkpointDone(). */
  onCheckpoint(): void;
  /** Channel events, and an "error" event with UnsupportedInstructionError for unknown messages. */
  onEvent?(ev: NotifyDevEvent): void;
  /** Channel name in messages (default "notify-dev"). */
  name?: string;
}

/** What the notify_dev sink reports: its channel's events and unsupported instructions. */
export type NotifyDevEvent =
  | ChannelEvent
  | { type: "error"; channel: string; error: UnsupportedInstructionError };

/** Counters of the notify_dev sink. */
export interface NotifyDevStats {
  requestsSent: number;
  checkpoints: number;
  handshakes: number;
  unsupported: number;
}

const DO_CHECKPOINT = notifyPayload(NotifyMessage.DO_CHECKPOINT);
const GET_XEN_INIT = notifyPayload(NotifyMessage.COLO_COMPARE_GET_XEN_INIT);
const PREVIEW = 40;

/**
 * The notify_dev sink: send() writes DO_CHECKPOINT. While no peer is connected, one DO_CHECKPOINT is kept and
 * sent on connect (later ones while down collapse into it: a burst must not flood the COLO frame).
 * @example notifier.addSink(notifyDevSink({ endpoint: parseEndpoint("unix:/run/colo/notify.sock"), vnetHdr: false, onCheckpoint: flush }));
 */
export function notifyDevSink(opts: NotifyDevOptions): NotifySink & {
  channel: Channel;
  stats: NotifyDevStats;
  close(): Promise<void>;
} {
  const name = opts.name ?? "notify-dev";
  const stats: NotifyDevStats = { requestsSent: 0, checkpoints: 0, handshakes: 0, unsupported: 0 };
  let pending = false;
  const channel: Channel = openChannel({
    endpoint: opts.endpoint,
    name,
    vnetHdr: opts.vnetHdr,
    writeVnetHdr: false,
    onFrame: (payload) => onMessage(payload),
    onEvent: (ev) => {
      if (ev.type === "connected" && pending) {
        pending = false;
        sendRequest();
      }
      opts.onEvent?.(ev);
    },
  });

  function sendRequest(): void {
    channel.write(DO_CHECKPOINT, 0);
    stats.requestsSent++;
  }

  function onMessage(payload: Uint8Array): void {
    const msg = parseNotify(payload);
    if (msg === NotifyMessage.COLO_CHECKPOINT) {
      stats.checkpoints++;
      opts.onCheckpoint();
    } else if (msg === NotifyMessage.COLO_USERSPACE_PROXY_INIT) {
      stats.handshakes++;
      channel.write(GET_XEN_INIT, 0);
    } else {
      stats.unsupported++;
      const error = new UnsupportedInstructionError(`${name} (${opts.endpoint.spec})`, preview(payload));
      opts.onEvent?.({ type: "error", channel: name, error });
    }
  }

  return {
    name,
    channel,
    stats,
    send(_req: CheckpointRequest): void {
      if (channel.connected) sendRequest();
      else pending = true;
    },
    close: () => channel.close(),
  };
}

/** Printable ASCII as is, anything else as \xNN, cut at PREVIEW bytes: safe to log. */
function preview(payload: Uint8Array): string {
  let s = "";
  for (const b of payload.subarray(0, PREVIEW))
    s += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, "0")}`;
  return payload.length > PREVIEW ? `${s}... (${payload.length} bytes)` : s;
}
