// A test peer for any socket that speaks QEMU's `len [vnet_len] payload` framing (QEMU's colo-compare, or the
// colod daemon): writes framed payloads with @colod/wire and collects what comes back through its FrameDecoder.
import { connect, type Socket } from "node:net";
import { encode, FrameDecoder, type WireError } from "@colod/wire";

/** One frame read from the socket (payload copied out, so it stays valid). */
export interface ReceivedFrame {
  payload: Uint8Array;
  vnetHdrLen: number;
}

/** Where to connect: a unix socket path, or a TCP host and port. */
export type FramedTarget = string | { path: string } | { host: string; port: number };

/** Framing of each direction. */
export interface FramedClientOptions {
  /** Whether frames we write carry the vnet_hdr_len word. */
  vnetHdr: boolean;
  /** Whether frames we read carry it; defaults to vnetHdr (QEMU's notify output never does). */
  rxVnetHdr?: boolean;
}

interface Waiter {
  n: number;
  resolve(frames: ReceivedFrame[]): void;
}

/** A connected framed-socket peer; received frames queue up until waitFrames/collect take them. */
export class FramedClient {
  /** Errors the decoder reported (zero-length frames, oversize frames). */
  readonly errors: WireError[] = [];
  private readonly frames: ReceivedFrame[] = [];
  private readonly waiters: Waiter[] = [];
  private readonly decoder: FrameDecoder;
  private ended = false;

  private constructor(
    private readonly socket: Socket,
    private readonly opts: FramedClientOptions,
    readonly label: string,
  ) {
    this.decoder = new FrameDecoder({
      vnetHdr: opts.rxVnetHdr ?? opts.vnetHdr,
      // A plain Uint8Array copy: the chunk may be a Buffer, whose slice() is a view, not a copy.
      onFrame: (payload, vnetHdrLen) => this.onFrame(new Uint8Array(payload), vnetHdrLen),
      onError: (err) => this.errors.push(err),
    });
    socket.on("data", (chunk: Uint8Array) => {
      this.decoder.push(chunk);
    });
    socket.on("close", () => {
      this.ended = true;
    });
    socket.on("error", () => {
      this.ended = true;
    });
  }

  /** Connects and resolves once the socket is open. */
  static connect(target: FramedTarget, opts: FramedClientOptions): Promise<FramedClient> {
    const t = typeof target === "string" ? { path: target } : target;
    const label = "path" in t ? `unix:${t.path}` : `tcp:${t.host}:${t.port}`;
    return new Promise((resolve, reject) => {
      const s = connect(t as { path: string }, () => {
        s.off("error", onError);
        resolve(new FramedClient(s, opts, label));
      });
      const onError = (e: Error) =>
        reject(new Error(`framed client: cannot connect to ${label}: ${e.message}`));
      s.once("error", onError);
    });
  }

  /** True once the peer closed the connection or it failed. */
  get closed(): boolean {
    return this.ended;
  }

  /** Frames one payload with this client's write framing and writes it. */
  send(payload: Uint8Array, vnetHdrLen = 0): Promise<void> {
    return this.write(encode(payload, vnetHdrLen, { vnetHdr: this.opts.vnetHdr }));
  }

  /** Writes raw bytes (pre-framed data, partial frames) and resolves once the runtime has flushed them. */
  write(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.write(bytes, (err) => (err ? reject(err) : resolve()));
    });
  }

  /** Takes the first n received frames, waiting up to timeoutMs for them to arrive. */
  waitFrames(n: number, timeoutMs: number): Promise<ReceivedFrame[]> {
    if (this.frames.length >= n) return Promise.resolve(this.frames.splice(0, n));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        n,
        resolve: (frames) => {
          clearTimeout(timer);
          resolve(frames);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`${this.label}: got ${this.frames.length} of ${n} frames within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Waits ms, then takes every frame received so far. */
  async collect(ms: number): Promise<ReceivedFrame[]> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return this.drain();
  }

  /** Takes every frame received so far, without waiting. */
  drain(): ReceivedFrame[] {
    return this.frames.splice(0, this.frames.length);
  }

  /** Closes the socket (idempotent). */
  close(): Promise<void> {
    if (this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once("close", () => resolve());
      this.socket.destroy();
    });
  }

  private onFrame(payload: Uint8Array, vnetHdrLen: number): void {
    this.frames.push({ payload, vnetHdrLen });
    const w = this.waiters[0];
    if (w && this.frames.length >= w.n) {
      this.waiters.shift();
      w.resolve(this.frames.splice(0, w.n));
    }
  }
}
