// Server endpoints: listen, one peer at a time (QEMU chardev semantics), accept again after a disconnect.
import { type AddressInfo, createServer, type Server, type Socket } from "node:net";
import { SocketChannel } from "./channel.js";
import { ChannelClosedError, ListenError } from "./errors.js";
import type { SocketChannelOptions } from "./types.js";
import { inspectUnixPath, removeSocketFile, type UnixPathState } from "./unix-path.js";

/** A listening channel: frames flow with whichever single peer is connected. */
export class ServerChannel extends SocketChannel {
  readonly listening: Promise<void>;
  readonly #server: Server;
  #boundPath: string | undefined;

  constructor(opts: SocketChannelOptions) {
    super(opts);
    this.#server = createServer((s) => this.#onConnection(s));
    this.listening = this.#listen();
    this.listening.catch(() => {}); // reported as an event; awaiting callers still see the rejection
  }

  /** The bound tcp port, or the unix socket path. */
  address(): { port: number } | string {
    const ep = this.opts.endpoint;
    if (ep.kind === "unix") return ep.path;
    const a = this.#server.address() as AddressInfo | null;
    return { port: a?.port ?? ep.port };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    const closing = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    await this.shutdown();
    if (this.#server.listening) await closing;
    if (this.#boundPath !== undefined) removeSocketFile(this.#boundPath);
  }

  protected disconnected(): void {
    // Nothing to do: the listener stays open and the next connection is accepted.
  }

  #onConnection(s: Socket): void {
    const peer = s.remoteAddress ? `${s.remoteAddress}:${s.remotePort}` : "unix peer";
    if (this.closed || this.hasPeer) {
      this.stats.refused++;
      this.emitEvent({ type: "refused", channel: this.name, peer });
      s.on("error", () => {}); // the refused peer may reset; nothing to report beyond "refused"
      s.destroy();
      return;
    }
    this.attach(s, peer);
  }

  async #listen(): Promise<void> {
    const ep = this.opts.endpoint;
    try {
      if (ep.kind === "unix") await clearStaleSocket(this.label, ep.path);
      if (this.closed) throw new ChannelClosedError(this.label);
      await new Promise<void>((resolve, reject) => {
        this.#server.once("error", reject);
        const done = () => {
          this.#server.off("error", reject);
          resolve();
        };
        if (ep.kind === "unix") this.#server.listen(ep.path, done);
        else this.#server.listen(ep.port, ep.host === "" ? undefined : ep.host, done);
      });
    } catch (e) {
      if (e instanceof ChannelClosedError) throw e;
      const err = e instanceof ListenError ? e : new ListenError(this.label, (e as Error).message, e);
      this.emitError(err);
      this.failReady(err);
      throw err;
    }
    if (this.closed) {
      // close() ran while binding: undo the bind it could not see.
      this.#server.close();
      if (ep.kind === "unix") removeSocketFile(ep.path);
      throw new ChannelClosedError(this.label);
    }
    if (ep.kind === "unix") this.#boundPath = ep.path;
    this.#server.on("error", (e) => this.emitError(new ListenError(this.label, e.message, e)));
    const a = this.address();
    const address = typeof a === "string" ? a : `${ep.kind === "tcp" ? ep.host : ""}:${a.port}`;
    this.emitEvent({ type: "listening", channel: this.name, address });
  }
}

/** Removes a unix socket file nobody listens on; refuses a live socket or a file that is not a socket. */
async function clearStaleSocket(label: string, path: string): Promise<void> {
  let state: UnixPathState;
  try {
    state = await inspectUnixPath(path);
  } catch (e) {
    throw new ListenError(label, `cannot inspect ${path}: ${(e as Error).message}`, e);
  }
  if (state === "not-a-socket")
    throw new ListenError(label, `${path} exists and is not a socket; remove it or choose another path`);
  if (state === "live") {
    throw new ListenError(
      label,
      `${path} is in use by a live socket (another colod or QEMU?); stop it or choose another path`,
    );
  }
  if (state === "stale") removeSocketFile(path);
}
