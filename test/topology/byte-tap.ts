// A transparent unix-socket relay that records every byte it forwards, so a test can assert the exact framing
// QEMU's filters and colod put on a channel without taking either end's place. It opens the upstream
// connection only when its own client arrives, so the upstream sees exactly one connection (a QEMU 7.2
// redirector indev never reads again after its first client leaves).
import { connect, createServer, type Server, type Socket } from "node:net";

/** A listening relay from `path` to `upstream`. */
export class ByteTap {
  private readonly down: Uint8Array[] = [];
  private readonly up: Uint8Array[] = [];
  private readonly sockets: Socket[] = [];
  private accepted = 0;
  private refusing = false;

  private constructor(
    private readonly server: Server,
    readonly path: string,
  ) {}

  /** Listens on path; each client is joined to a fresh connection to upstream. */
  static listen(path: string, upstream: string): Promise<ByteTap> {
    return new Promise((resolve, reject) => {
      const server = createServer();
      const tap = new ByteTap(server, path);
      server.on("connection", (client) => tap.join(client, upstream));
      server.once("error", reject);
      server.listen(path, () => resolve(tap));
    });
  }

  /** Bytes the upstream sent toward the client so far. */
  fromUpstream(): Uint8Array {
    return Buffer.concat(this.down);
  }

  /** Bytes the client sent toward the upstream so far. */
  toUpstream(): Uint8Array {
    return Buffer.concat(this.up);
  }

  /** How many clients the relay has joined to the upstream so far. */
  get connections(): number {
    return this.accepted;
  }

  /** While on, new clients are closed at once and never reach the upstream (a peer that is down). */
  refuse(on: boolean): void {
    this.refusing = on;
  }

  /** Cuts every relayed connection (both ends) and keeps listening, as if the link had dropped. */
  drop(): void {
    for (const s of this.sockets.splice(0)) s.destroy();
  }

  /** Forgets what was recorded (the next test starts from here). */
  reset(): void {
    this.down.length = 0;
    this.up.length = 0;
  }

  /** Closes the listener and both ends of every relayed connection. */
  close(): Promise<void> {
    this.drop();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private join(client: Socket, upstream: string): void {
    if (this.refusing) {
      client.destroy();
      return;
    }
    this.accepted++;
    const server = connect({ path: upstream });
    this.sockets.push(client, server);
    // Writes issued before the upstream connect completes are queued by the socket.
    client.on("data", (d: Uint8Array) => {
      this.up.push(Buffer.from(d));
      server.write(d);
    });
    server.on("data", (d: Uint8Array) => {
      this.down.push(Buffer.from(d));
      client.write(d);
    });
    const end = () => {
      client.destroy();
      server.destroy();
    };
    client.on("close", end);
    server.on("close", end);
    client.on("error", end);
    server.on("error", end);
  }
}
