// The connection-independent half of a channel: write queue, back-pressure, reading, stats and events.
// Server and client subclasses only decide where sockets come from (accept or connect).
import { EventEmitter } from "node:events";
import type { Socket } from "node:net";
import { FrameDecoder } from "../decoder.js";
import { OversizeFrameError, type WireError, ZeroLengthFrameError } from "../errors.js";
import { BackpressureError, ChannelClosedError, SocketError } from "./errors.js";
import { type Lease, OutQueue } from "./out-queue.js";
import type { Channel, ChannelEvent, ChannelStats, SocketChannelOptions } from "./types.js";

/** Default bytes buffered before write() returns false. */
export const DEFAULT_HIGH_WATER_MARK = 4 * 1024 * 1024;
/** Default hard cap of buffered bytes: bounds memory while a peer is absent or stalled. */
export const DEFAULT_MAX_BUFFERED = 64 * 1024 * 1024;

interface Waiter {
  resolve(): void;
  reject(err: Error): void;
}

/** Base of ServerChannel and ClientChannel; holds at most one connected socket at a time. */
export abstract class SocketChannel extends EventEmitter implements Channel {
  readonly name: string;
  readonly stats: ChannelStats;
  protected readonly opts: SocketChannelOptions;
  /** Endpoint label used in messages: "primary-in (unix:/run/pri.sock,server=on)". */
  protected readonly label: string;
  protected closed = false;
  #socket: Socket | undefined;
  /** Bumped per connection so write callbacks of a dead socket are ignored. */
  #gen = 0;
  #paused = false;
  #blocked = false;
  #pumpScheduled = false;
  #needDrain = false;
  #inflight = 0;
  #inflightFrames = 0;
  readonly #queue: OutQueue;
  readonly #hwm: number;
  readonly #max: number;
  #flushWaiters: Waiter[] = [];
  #readyWaiters: Waiter[] = [];
  #everConnected = false;
  /** Set when no further connection will come; flush() and ready() fail with it at once. */
  #gaveUp: WireError | undefined;

  constructor(opts: SocketChannelOptions) {
    super();
    this.opts = opts;
    this.name = opts.name;
    this.label = `${opts.name} (${opts.endpoint.spec})`;
    this.#queue = new OutQueue({ vnetHdr: opts.writeVnetHdr ?? opts.vnetHdr });
    this.#hwm = opts.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
    this.#max = opts.maxBuffered ?? DEFAULT_MAX_BUFFERED;
    const self = this;
    this.stats = {
      framesIn: 0,
      bytesIn: 0,
      framesOut: 0,
      bytesOut: 0,
      zeroLength: 0,
      oversize: 0,
      connects: 0,
      disconnects: 0,
      refused: 0,
      unconfirmed: 0,
      discarded: 0,
      get buffered() {
        return self.buffered;
      },
    };
  }

  /** True while a peer is connected. */
  get connected(): boolean {
    return this.#socket !== undefined;
  }

  /** Bytes queued plus bytes handed to the socket and not yet confirmed written. */
  get buffered(): number {
    return this.#queue.pending + this.#inflight;
  }

  write(payload: Uint8Array, vnetHdrLen: number): boolean {
    if (this.closed) throw new ChannelClosedError(this.label);
    const buffered = this.buffered;
    const n = this.#queue.size(payload);
    if (buffered + n > this.#max) throw new BackpressureError(this.label, buffered, this.#max);
    this.#queue.append(payload, vnetHdrLen);
    this.#schedulePump();
    if (buffered + n < this.#hwm) return true;
    this.#needDrain = true;
    return false;
  }

  pause(): void {
    this.#paused = true;
    this.#socket?.pause();
  }

  resume(): void {
    this.#paused = false;
    this.#socket?.resume();
  }

  flush(): Promise<void> {
    if (this.buffered === 0) return Promise.resolve();
    if (this.closed) return Promise.reject(new ChannelClosedError(this.label));
    if (this.#gaveUp !== undefined) return Promise.reject(this.#gaveUp);
    return new Promise((resolve, reject) => this.#flushWaiters.push({ resolve, reject }));
  }

  ready(): Promise<void> {
    if (this.#everConnected) return Promise.resolve();
    if (this.closed) return Promise.reject(new ChannelClosedError(this.label));
    if (this.#gaveUp !== undefined) return Promise.reject(this.#gaveUp);
    return new Promise((resolve, reject) => this.#readyWaiters.push({ resolve, reject }));
  }

  abstract close(): Promise<void>;

  /** Emits to onEvent and to "event" listeners (never as "error", which would throw without a listener). */
  protected emitEvent(ev: ChannelEvent): void {
    this.opts.onEvent?.(ev);
    this.emit("event", ev);
  }

  protected emitError(error: WireError): void {
    this.emitEvent({ type: "error", channel: this.name, error });
  }

  /** True while a socket is attached (servers refuse a second one). */
  protected get hasPeer(): boolean {
    return this.#socket !== undefined;
  }

  /** Makes `socket` the channel's connection: fresh decoder, queued frames start flowing. */
  protected attach(socket: Socket, peer: string): void {
    const gen = ++this.#gen;
    this.#socket = socket;
    this.#blocked = false;
    this.stats.connects++;
    if (this.opts.endpoint.kind === "tcp" && this.opts.endpoint.nodelay) socket.setNoDelay(true);
    const decoder = this.#decoder();
    socket.on("data", (chunk: Uint8Array) => {
      if (gen !== this.#gen) return;
      this.stats.bytesIn += chunk.length;
      if (!decoder.push(chunk)) socket.destroy();
    });
    socket.on("drain", () => {
      if (gen !== this.#gen) return;
      this.#blocked = false;
      this.#pump();
    });
    socket.on("error", (err) => {
      if (gen === this.#gen) this.emitError(new SocketError(this.label, err.message, err));
    });
    socket.on("close", () => this.#detach(socket, decoder));
    if (this.#paused) socket.pause();
    this.#everConnected = true;
    this.emitEvent({ type: "connected", channel: this.name, peer });
    this.#settle(this.#readyWaiters, undefined);
    this.#schedulePump();
  }

  /** Called after a connection ended; clients schedule a reconnect here. */
  protected abstract disconnected(): void;

  /** Ends the current connection and fails pending waiters; subclasses call it from close(). */
  protected async shutdown(): Promise<void> {
    this.closed = true;
    const lost = this.#queue.clear();
    this.stats.discarded += lost;
    const err = new ChannelClosedError(this.label);
    this.#settle(this.#readyWaiters, err);
    if (lost > 0) this.#settle(this.#flushWaiters, err);
    const socket = this.#socket;
    if (socket !== undefined) await endSocket(socket);
    this.#settle(this.#flushWaiters, this.buffered === 0 ? undefined : err);
  }

  protected failReady(err: WireError): void {
    this.#settle(this.#readyWaiters, err);
  }

  /** No connection will come (client without reconnect): ready() and flush() callers must not wait forever. */
  protected failPending(err: WireError): void {
    this.#gaveUp = err;
    this.#settle(this.#readyWaiters, err);
    this.#settle(this.#flushWaiters, err);
  }

  #decoder(): FrameDecoder {
    return new FrameDecoder({
      vnetHdr: this.opts.vnetHdr,
      name: this.label,
      onFrame: (payload, vnetHdrLen) => {
        this.stats.framesIn++;
        this.opts.onFrame?.(payload, vnetHdrLen);
      },
      onError: (err) => this.#streamError(err),
    });
  }

  #streamError(err: WireError): void {
    if (err instanceof ZeroLengthFrameError) {
      this.stats.zeroLength++;
      this.emitEvent({ type: "zero-length", channel: this.name });
    } else if (err instanceof OversizeFrameError) {
      this.stats.oversize++;
      this.emitEvent({ type: "oversize", channel: this.name, error: err });
      this.emitError(err);
    } else {
      this.emitError(err);
    }
  }

  #detach(socket: Socket, decoder: FrameDecoder): void {
    if (this.#socket !== socket) return;
    this.#socket = undefined;
    this.#gen++;
    const unconfirmedFrames = this.#inflightFrames;
    this.stats.unconfirmed += unconfirmedFrames;
    this.#inflight = 0;
    this.#inflightFrames = 0;
    this.stats.disconnects++;
    this.emitEvent({
      type: "disconnected",
      channel: this.name,
      partialFrameDiscarded: decoder.partial,
      unconfirmedFrames,
    });
    if (unconfirmedFrames > 0) {
      const msg = `connection closed before ${unconfirmedFrames} frames were confirmed written`;
      this.#settle(this.#flushWaiters, new SocketError(this.label, msg));
    }
    this.#afterProgress();
    if (!this.closed) this.disconnected();
  }

  #schedulePump(): void {
    if (this.#pumpScheduled || this.#socket === undefined) return;
    this.#pumpScheduled = true;
    // One pump per tick: every frame written during this tick leaves in one socket write.
    queueMicrotask(() => {
      this.#pumpScheduled = false;
      this.#pump();
    });
  }

  #pump(): void {
    const socket = this.#socket;
    // A destroyed socket whose close has not fired yet: keep the frames queued for the next connection.
    if (socket === undefined || socket.destroyed) return;
    const gen = this.#gen;
    while (!this.#blocked) {
      const lease = this.#queue.take();
      if (lease === undefined) break;
      this.#inflight += lease.bytes.length;
      this.#inflightFrames += lease.frames;
      this.stats.framesOut += lease.frames;
      this.stats.bytesOut += lease.bytes.length;
      if (!socket.write(lease.bytes, (err) => this.#written(gen, lease, err))) this.#blocked = true;
    }
  }

  #written(gen: number, lease: Lease, err: Error | null | undefined): void {
    // A failed write stays in flight: the socket is dying, and its close counts these frames as unconfirmed.
    // Its block is never reused, since the dying socket may still reference it.
    if (gen !== this.#gen || err) return;
    this.#inflight -= lease.bytes.length;
    this.#inflightFrames -= lease.frames;
    this.#queue.release(lease);
    this.#afterProgress();
  }

  #afterProgress(): void {
    const buffered = this.buffered;
    if (this.#needDrain && buffered <= this.#hwm / 2) {
      this.#needDrain = false;
      this.emit("drain");
    }
    if (buffered === 0) this.#settle(this.#flushWaiters, undefined);
  }

  #settle(waiters: Waiter[], err: Error | undefined): void {
    if (waiters.length === 0) return;
    const list = waiters.splice(0);
    for (const w of list) {
      if (err === undefined) w.resolve();
      else w.reject(err);
    }
  }
}

/** Ends `socket` after its pending writes, destroying it if the peer does not let it close in time. */
function endSocket(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve();
    const timer = setTimeout(() => socket.destroy(), 2000);
    socket.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
    socket.end(() => socket.destroy());
  });
}
