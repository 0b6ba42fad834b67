// The transport's public shapes: what the daemon and the notifier program against.
import type { EventEmitter } from "node:events";
import type { Endpoint, TcpEndpoint, UnixEndpoint } from "../endpoint.js";
import type { WireError } from "../errors.js";

/** Everything that happens on a channel, for logs and metrics; `channel` is the channel's name. */
export type ChannelEvent =
  | { type: "listening"; channel: string; address: string }
  | { type: "connected"; channel: string; peer: string }
  | { type: "disconnected"; channel: string; partialFrameDiscarded: boolean; unconfirmedFrames: number }
  | { type: "refused"; channel: string; peer: string }
  | { type: "reconnecting"; channel: string; delayMs: number; attempt: number; error?: WireError }
  | { type: "zero-length"; channel: string }
  | { type: "oversize"; channel: string; error: WireError }
  | { type: "error"; channel: string; error: WireError };

/** How to open a channel on a `unix:` or `tcp:` endpoint (server or client, from parseEndpoint). */
export interface ChannelOptions {
  /** A `unix:` or `tcp:` endpoint; `tap:` is rejected (that is @colod/capture's job). */
  endpoint: Endpoint;
  /** Role name used in every message and event, e.g. "primary-in". */
  name: string;
  /** Whether frames read here carry the vnet_hdr_len word. */
  vnetHdr: boolean;
  /** Whether frames written here carry it; defaults to `vnetHdr` (notify_dev writes without it). */
  writeVnetHdr?: boolean;
  /** Each frame read; `payload` is a view that stays valid (see FrameDecoder). Exceptions propagate. */
  onFrame?(payload: Uint8Array, vnetHdrLen: number): void;
  /** Connection life cycle and stream errors. */
  onEvent?(ev: ChannelEvent): void;
  /** Buffered bytes at which write() starts returning false (default 4 MiB). */
  highWaterMark?: number;
  /** Buffered bytes write() never exceeds: beyond it, it throws BackpressureError (default 64 MiB). */
  maxBuffered?: number;
  /** Clients: delay between connection attempts, overriding the endpoint's `reconnect` seconds (tests). */
  reconnectDelayMs?: number;
}

/** Counters of one channel; `buffered` is live (queued plus handed to the socket and not yet written). */
export interface ChannelStats {
  framesIn: number;
  bytesIn: number;
  framesOut: number;
  bytesOut: number;
  zeroLength: number;
  oversize: number;
  connects: number;
  disconnects: number;
  /** Concurrent connections a server turned away (one peer at a time). */
  refused: number;
  /** Frames handed to a connection that closed before the write was confirmed (possibly lost). */
  unconfirmed: number;
  /** Frames still queued when the channel was closed. */
  discarded: number;
  readonly buffered: number;
}

/** One framed socket endpoint: ordered writes with back-pressure, frames read through onFrame. */
export interface Channel extends EventEmitter {
  readonly connected: boolean;
  readonly name: string;
  /** Queues one frame (sent in order, batched per tick). False: above highWaterMark, pause inputs until "drain". */
  write(payload: Uint8Array, vnetHdrLen: number): boolean;
  /** "drain": buffered fell back to half the highWaterMark. "event": every ChannelEvent, as onEvent. */
  on(ev: "drain", cb: () => void): this;
  on(ev: "event", cb: (ev: ChannelEvent) => void): this;
  /** Stops reading (also on later connections) until resume(). */
  pause(): void;
  resume(): void;
  /** Resolves when every frame written so far has been written to a socket; rejects if the channel closes first. */
  flush(): Promise<void>;
  /** Resolves on the first connection; rejects when a client without reconnect fails, or on close. */
  ready(): Promise<void>;
  /** Stops listening / reconnecting, ends the connection (its already-handed bytes go out), drops queued frames. */
  close(): Promise<void>;
  readonly stats: ChannelStats;
  /** Servers: resolves once bound; rejects with ListenError. */
  listening?: Promise<void>;
  /** Servers: the bound port (tcp) or path (unix). */
  address?(): { port: number } | string;
}

/** ChannelOptions once the endpoint is known to be a socket. */
export interface SocketChannelOptions extends ChannelOptions {
  endpoint: UnixEndpoint | TcpEndpoint;
}
