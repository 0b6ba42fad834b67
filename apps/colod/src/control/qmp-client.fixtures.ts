// A bare QMP client for tests: raw JSON lines over a real unix socket, no QMP library in between.
import { mkdtempSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A connected test client; messages are parsed lines, in arrival order. */
export class LineClient {
  private buf = "";
  private readonly lines: unknown[] = [];
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(readonly sock: Socket) {
    sock.setEncoding("utf8");
    sock.on("data", (d: string) => {
      this.buf += d;
      let i = this.buf.indexOf("\n");
      while (i >= 0) {
        const line = this.buf.slice(0, i).trim();
        this.buf = this.buf.slice(i + 1);
        if (line) this.lines.push(JSON.parse(line));
        i = this.buf.indexOf("\n");
      }
      this.wake();
    });
    sock.on("close", () => {
      this.closed = true;
      this.wake();
    });
    sock.on("error", () => {});
  }

  /** Connects to a unix socket. */
  static connect(path: string): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const s = connect(path);
      s.once("connect", () => resolve(new LineClient(s)));
      s.once("error", reject);
    });
  }

  /** Connects, reads the greeting and negotiates. */
  static async negotiated(path: string): Promise<LineClient> {
    const c = await LineClient.connect(path);
    await c.next();
    c.send({ execute: "qmp_capabilities" });
    await c.next();
    return c;
  }

  /** Writes an object as one JSON line, or a raw string as is. */
  send(msg: unknown): void {
    this.sock.write(typeof msg === "string" ? msg : `${JSON.stringify(msg)}\n`);
  }

  /** Sends a command and returns the next non-event message. */
  async execute(name: string, args?: Record<string, unknown>): Promise<any> {
    this.send(args ? { execute: name, arguments: args } : { execute: name });
    return this.nextReply();
  }

  /** The next message of any kind. */
  async next(timeoutMs = 5000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    while (this.lines.length === 0) {
      if (this.closed) throw new Error("connection closed");
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("no message within the timeout");
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.lines.shift();
  }

  /** The next reply, skipping events (which stay available to nextEvent). */
  async nextReply(): Promise<any> {
    for (;;) {
      const m = await this.next();
      if (!(m && typeof m === "object" && "event" in m)) return m;
      this.events.push(m);
    }
  }

  /** Events seen by nextReply, then the next messages. */
  readonly events: any[] = [];
  async nextEvent(): Promise<any> {
    return this.events.shift() ?? this.next();
  }

  close(): void {
    this.sock.destroy();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

/** A fresh temp dir for a socket; returns its path and a remover. */
export function tempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "colod-ctl-"));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
