// A QMP-speaking control socket: QEMU's greeting, capabilities negotiation, execute/return/error with the
// same error classes and wording, and events broadcast to every negotiated client, so QEMU tooling
// (qmp-shell, python qemu.qmp, libvirt-style JSON lines) can drive colod.
import { unlinkSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import type { Logger } from "../obs/log.js";
import { safeStringify } from "../obs/safe-json.js";
import { type ArgsSchema, checkArgs, isPlainObject } from "./args.js";
import { CommandRegistrationError, QmpCommandError, type QmpErrorClass } from "./errors.js";
import { JsonStream, MAX_JSON_TEXT } from "./json-stream.js";
import { listenUnix } from "./unix-socket.js";

/** Handles one command; its result (undefined means `{}`) is the `return` member of the reply. */
export type QmpHandler = (args: Record<string, unknown>) => unknown;

/** Options of {@link QmpServer}. */
export interface QmpServerOptions {
  /** Unix socket path. A stale socket there is replaced; a live one is an error. */
  path: string;
  /** Socket file mode; default 0o600 (owner only: the socket can trigger checkpoints). */
  mode?: number;
  /** colod's version for the greeting and query-version, "MAJOR.MINOR.MICRO". Default "0.1.0". */
  version?: string;
  /** Where connection and command failures are logged. */
  logger?: Logger;
  /** Simultaneous clients; more are closed at once. Default 64. */
  maxClients?: number;
}

interface Command {
  handler: QmpHandler;
  schema: ArgsSchema | undefined;
}

interface Client {
  sock: Socket;
  stream: JsonStream;
  negotiated: boolean;
  queue: Promise<void>;
  /** Requests read but not yet answered. */
  pending: number;
}

type Reply = Record<string, unknown>;

/** Reserved names the server answers itself. */
const BUILTIN = new Set(["qmp_capabilities", "query-commands", "query-version"]);
/** Output waiting for a client beyond which it is dropped: a client that never reads must not cost memory. */
const MAX_CLIENT_BACKLOG = 4 * 1024 * 1024;
/** Unanswered requests per client above which reading from it pauses (resumed below half of it). */
const MAX_PENDING = 256;

/** The QMP server. Register commands, `listen()`, then `emit()` events. */
export class QmpServer {
  private readonly commands = new Map<string, Command>();
  private readonly clients = new Set<Client>();
  private server: Server | undefined;
  private readonly mode: number;
  private readonly version: { major: number; minor: number; micro: number; text: string };

  constructor(private readonly options: QmpServerOptions) {
    this.mode = options.mode ?? 0o600;
    this.version = parseVersion(options.version ?? "0.1.0");
  }

  /** The socket path. */
  get path(): string {
    return this.options.path;
  }

  /** Clients connected right now (negotiated or not). */
  get clientCount(): number {
    return this.clients.size;
  }

  /** Adds a command; `schema` makes the server check arguments before calling `handler`. */
  register(name: string, handler: QmpHandler, schema?: ArgsSchema): void {
    if (BUILTIN.has(name)) throw new CommandRegistrationError(name, "is built into the server");
    if (this.commands.has(name)) throw new CommandRegistrationError(name, "is already registered");
    this.commands.set(name, { handler, schema });
  }

  /** Command names, built-ins included, as query-commands lists them. */
  commandNames(): string[] {
    return [...BUILTIN, ...this.commands.keys()];
  }

  /** Creates the socket (mode set before it becomes visible at `path`) and starts accepting. */
  async listen(): Promise<void> {
    const server = createServer((sock) => this.accept(sock));
    await listenUnix(server, this.options.path, this.mode);
    server.on("error", (err) => this.options.logger?.error("control.error", { path: this.path, error: err }));
    this.server = server;
  }

  /** Sends `{"event", "data", "timestamp"}` to every negotiated client. */
  emit(event: string, data?: Record<string, unknown>): void {
    const now = performance.timeOrigin + performance.now();
    const seconds = Math.floor(now / 1000);
    const microseconds = Math.floor((now - seconds * 1000) * 1000);
    const msg: Reply = { event };
    if (data !== undefined) msg.data = data;
    msg.timestamp = { seconds, microseconds };
    const line = `${safeStringify(msg)}\r\n`;
    for (const c of this.clients) if (c.negotiated) this.write(c, line);
  }

  /** Stops accepting, disconnects every client and removes the socket file. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const c of this.clients) c.sock.destroy();
    this.clients.clear();
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    try {
      unlinkSync(this.options.path);
    } catch {
      // Already gone (some runtimes unlink a unix socket on close).
    }
  }

  private accept(sock: Socket): void {
    if (this.clients.size >= (this.options.maxClients ?? 64)) {
      this.options.logger?.warn("control.client_rejected", { reason: "too many clients" });
      sock.destroy();
      return;
    }
    const client: Client = {
      sock,
      stream: new JsonStream(),
      negotiated: false,
      queue: Promise.resolve(),
      pending: 0,
    };
    this.clients.add(client);
    sock.on("error", () => sock.destroy());
    sock.on("close", () => this.clients.delete(client));
    sock.on("data", (chunk: Buffer) => this.onData(client, chunk));
    const v = this.version;
    const qemu = { micro: v.micro, minor: v.minor, major: v.major };
    this.send(client, { QMP: { version: { qemu, package: `colod ${v.text}` }, capabilities: [] } });
  }

  private onData(client: Client, chunk: Buffer): void {
    for (const text of client.stream.push(chunk)) {
      client.pending++;
      // Replies go out in request order even when a handler is async.
      client.queue = client.queue.then(async () => {
        try {
          this.send(client, typeof text === "string" ? await this.handleText(client, text) : overflowReply());
        } finally {
          this.settled(client);
        }
      });
    }
    // A client pipelining faster than slow handlers answer is read no further until they catch up.
    if (client.pending > MAX_PENDING) client.sock.pause();
  }

  private settled(client: Client): void {
    client.pending--;
    if (client.sock.isPaused() && client.pending <= MAX_PENDING / 2) client.sock.resume();
  }

  private async handleText(client: Client, text: string): Promise<Reply> {
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch (err) {
      return errorReply("GenericError", `JSON parse error, ${parseErrorText(text, err)}`);
    }
    if (!isPlainObject(msg)) return errorReply("GenericError", "QMP input must be a JSON object");
    const reply = await this.dispatch(client, msg);
    if (Object.hasOwn(msg, "id")) reply.id = msg.id;
    return reply;
  }

  private async dispatch(client: Client, msg: Record<string, unknown>): Promise<Reply> {
    const bad = checkEnvelope(msg);
    if (bad) return errorReply("GenericError", bad);
    const name = msg.execute as string;
    const args = (msg.arguments ?? {}) as Record<string, unknown>;
    if (!client.negotiated) {
      if (name !== "qmp_capabilities") {
        return errorReply("CommandNotFound", "Expecting capabilities negotiation with 'qmp_capabilities'");
      }
      return this.run(() => this.negotiate(client, args));
    }
    if (name === "qmp_capabilities") {
      return errorReply("CommandNotFound", "Capabilities negotiation is already complete, command ignored");
    }
    if (name === "query-commands")
      return this.run(() => this.commandNames().map((n) => ({ name: n })), args, {});
    if (name === "query-version") return this.run(() => this.versionInfo(), args, {});
    const cmd = this.commands.get(name);
    if (!cmd) return errorReply("CommandNotFound", `The command ${name} has not been found`);
    return this.run(() => cmd.handler(args), args, cmd.schema, name);
  }

  private negotiate(client: Client, args: Record<string, unknown>): Record<string, never> {
    checkArgs({ enable: { type: "any", optional: true } }, args);
    const enable = args.enable;
    if (enable !== undefined && !Array.isArray(enable)) {
      throw new QmpCommandError("Invalid parameter type for 'enable', expected: array");
    }
    // colod offers no capability (no out-of-band execution), so any requested one is refused.
    for (const cap of enable ?? []) throw new QmpCommandError(`Capability '${String(cap)}' not available`);
    client.negotiated = true;
    return {};
  }

  private versionInfo() {
    const v = this.version;
    return { qemu: { micro: v.micro, minor: v.minor, major: v.major }, package: `colod ${v.text}` };
  }

  private async run(fn: () => unknown, args?: Record<string, unknown>, schema?: ArgsSchema, name?: string) {
    try {
      if (args && schema) checkArgs(schema, args);
      const result = await fn();
      return { return: result === undefined ? {} : result } as Reply;
    } catch (err) {
      if (err instanceof QmpCommandError) return errorReply(err.qmpClass, err.message);
      this.options.logger?.warn("control.command_failed", { command: name, error: err });
      return errorReply("GenericError", errText(err));
    }
  }

  private send(client: Client, reply: Reply): void {
    this.write(client, `${safeStringify(reply)}\r\n`);
  }

  private write(client: Client, line: string): void {
    if (client.sock.destroyed) return;
    if (client.sock.writableLength > MAX_CLIENT_BACKLOG) {
      this.options.logger?.warn("control.client_dropped", { reason: "not reading its replies and events" });
      client.sock.destroy();
      return;
    }
    client.sock.write(line);
  }
}

/** Checks the request object's members the way QEMU's dispatcher does; returns the error text or undefined. */
function checkEnvelope(msg: Record<string, unknown>): string | undefined {
  for (const key of Object.keys(msg)) {
    if (key === "execute") {
      if (typeof msg.execute !== "string") return "QMP input member 'execute' must be a string";
    } else if (key === "arguments") {
      if (!isPlainObject(msg.arguments)) return "QMP input member 'arguments' must be an object";
    } else if (key !== "id") {
      return `QMP input member '${key}' is unexpected`;
    }
  }
  return msg.execute === undefined ? "QMP input lacks member 'execute'" : undefined;
}

function errorReply(cls: QmpErrorClass, desc: string): Reply {
  return { error: { class: cls, desc } };
}

function overflowReply(): Reply {
  return errorReply(
    "GenericError",
    `JSON parse error, input longer than ${MAX_JSON_TEXT} characters was discarded`,
  );
}

function parseErrorText(text: string, err: unknown): string {
  if (/^[A-Za-z_][\w-]*$/.test(text)) return `invalid keyword '${text}'`;
  // The runtime's own wording, without Bun's "JSON Parse error:" prefix (the reply already says it).
  return (err instanceof Error ? err.message : String(err)).replace(/^JSON Parse error:\s*/i, "");
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function parseVersion(text: string) {
  const [major = 0, minor = 0, micro = 0] = text.split(/[.+-]/).map((p) => Number.parseInt(p, 10) || 0);
  return { major, minor, micro, text };
}
