// Client endpoints: connect, and with reconnect=N retry every N seconds forever (also after a disconnect).
import { connect, type Socket } from "node:net";
import type { WireError } from "../errors.js";
import { SocketChannel } from "./channel.js";
import { ConnectError } from "./errors.js";
import type { SocketChannelOptions } from "./types.js";

/** A connecting channel. */
export class ClientChannel extends SocketChannel {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #attempt = 0;
  #connecting: Socket | undefined;
  readonly #delayMs: number;

  constructor(opts: SocketChannelOptions) {
    super(opts);
    this.#delayMs = opts.reconnectDelayMs ?? opts.endpoint.reconnect * 1000;
    this.#connect();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    clearTimeout(this.#timer);
    this.#connecting?.destroy();
    this.#connecting = undefined;
    await this.shutdown();
  }

  protected disconnected(): void {
    if (this.#delayMs > 0) this.#retry(undefined);
    else
      this.failPending(new ConnectError(this.label, "disconnected and reconnect is off; frames stay queued"));
  }

  #connect(): void {
    this.#timer = undefined;
    this.#attempt++;
    const ep = this.opts.endpoint;
    const s =
      ep.kind === "unix" ? connect(ep.path) : connect(ep.port, ep.host === "" ? "localhost" : ep.host);
    this.#connecting = s;
    const onError = (e: Error) => {
      this.#connecting = undefined;
      s.destroy();
      if (!this.closed) this.#failed(new ConnectError(this.label, e.message, e));
    };
    s.once("error", onError);
    s.once("connect", () => {
      s.off("error", onError);
      this.#connecting = undefined;
      if (this.closed) {
        s.destroy();
        return;
      }
      this.#attempt = 0;
      this.attach(s, ep.kind === "unix" ? ep.path : `${s.remoteAddress}:${s.remotePort}`);
    });
  }

  #failed(err: WireError): void {
    if (this.#delayMs > 0) {
      this.#retry(err);
      return;
    }
    this.emitError(err);
    this.failPending(err);
  }

  #retry(error: WireError | undefined): void {
    if (this.closed || this.#delayMs <= 0 || this.#timer !== undefined) return;
    const ev = {
      type: "reconnecting" as const,
      channel: this.name,
      delayMs: this.#delayMs,
      attempt: this.#attempt + 1,
    };
    this.emitEvent(error === undefined ? ev : { ...ev, error });
    this.#timer = setTimeout(() => this.#connect(), this.#delayMs);
  }
}
