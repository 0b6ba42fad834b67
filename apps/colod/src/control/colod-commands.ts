// colod's own QMP commands and its checkpoint-request event, on top of any QmpServer.
import type { CheckpointReason, ColodCounters } from "../obs/counters.js";
import type { ArgsSchema } from "./args.js";
import { QmpCommandError } from "./errors.js";
import { formatFlowSpec, type PassthroughEntry, type PassthroughRule, parseFlowSpec } from "./passthrough.js";
import type { QmpServer } from "./qmp-server.js";

/** What query-colod-status reports; the daemon may add members. */
export interface ColodStatus {
  /** colod's version. */
  version: string;
  /** "running", or "stopping" once SIGTERM/SIGINT arrived. */
  state: "running" | "stopping";
  /** Seconds since start. */
  uptime: number;
  [member: string]: unknown;
}

/** What the daemon offers the control socket. Each method may return a promise. */
export interface ColodControlApi {
  /** Current state for query-colod-status. */
  status(): ColodStatus | Promise<ColodStatus>;
  /** Counters of every comparator instance for query-colod-counters. */
  counters(): readonly ColodCounters[];
  /** Does a checkpoint flush now (release held primary frames, drop held secondary ones); `instance`
   * limits it to one comparator. The result (e.g. counts of what was released) is the reply. */
  checkpoint(instance?: string): unknown;
  /** Adds a passthrough rule and returns its id. */
  passthroughAdd(rule: PassthroughRule): number | Promise<number>;
  /** Removes a rule; false if no rule has that id. */
  passthroughDel(id: number): boolean | Promise<boolean>;
  /** The rules in force. */
  passthroughList(): readonly PassthroughEntry[] | Promise<readonly PassthroughEntry[]>;
  /** Optional: starts writing diverging pairs to a pcap file at run time (colod-pcap-start exists only
   * when the daemon offers this). Throwing (e.g. PcapWriteError) becomes the command's error. */
  pcapStart?(file: string, maxPairs?: number): unknown;
  /** Optional: stops the run-time capture and returns e.g. `{ pairs, skipped }`. */
  pcapStop?(): unknown;
}

/** The connection a checkpoint request concerns (addresses dotted, protocol by number). */
export interface ConnectionInfo {
  protocol: number;
  src: string;
  sport: number;
  dst: string;
  dport: number;
}

/** What the COLOD_CHECKPOINT_REQUEST event carries. */
export interface CheckpointRequestInfo {
  reason: CheckpointReason;
  /** Absent for a request not tied to one connection (e.g. a timeout scan over several). */
  connection?: ConnectionInfo;
  /** Comparator instance, when the daemon runs several. */
  instance?: string;
}

/** Name of the event sent for every checkpoint request. */
export const CHECKPOINT_REQUEST_EVENT = "COLOD_CHECKPOINT_REQUEST";

const endpointSchema: ArgsSchema = {
  host: { type: "str", optional: true },
  port: { type: "any", optional: true }, // number, or a numeric string as in QEMU's InetSocketAddressBase
};
const flowSchema: ArgsSchema = {
  protocol: { type: "any", optional: true }, // "tcp" | "udp" | "icmp" | number
  source: { type: { object: endpointSchema }, optional: true },
  destination: { type: { object: endpointSchema }, optional: true },
};
const instanceSchema: ArgsSchema = { instance: { type: "str", optional: true } };

/** Registers query-colod-status, query-colod-counters, colod-checkpoint, colod-passthrough-add|del|list and,
 * when the API offers them, colod-pcap-start|stop. */
export function registerColodCommands(server: QmpServer, api: ColodControlApi): void {
  server.register("query-colod-status", () => api.status(), {});
  server.register(
    "query-colod-counters",
    (args) => countersOf(api, args.instance as string | undefined),
    instanceSchema,
  );
  server.register(
    "colod-checkpoint",
    (args) => api.checkpoint(args.instance as string | undefined),
    instanceSchema,
  );
  server.register(
    "colod-passthrough-add",
    async (args) => ({ id: await api.passthroughAdd(parseFlowSpec(args)) }),
    flowSchema,
  );
  server.register("colod-passthrough-del", async (args) => delRule(api, args.id as number), {
    id: { type: "int" },
  });
  server.register(
    "colod-passthrough-list",
    async () => (await api.passthroughList()).map((e) => ({ id: e.id, ...formatFlowSpec(e.rule) })),
    {},
  );
  registerPcapCommands(server, api);
}

function registerPcapCommands(server: QmpServer, api: ColodControlApi): void {
  const { pcapStart, pcapStop } = api;
  if (pcapStart) {
    const schema: ArgsSchema = { file: { type: "str" }, "max-pairs": { type: "int", optional: true } };
    server.register(
      "colod-pcap-start",
      (args) => pcapStart.call(api, args.file as string, args["max-pairs"] as number | undefined),
      schema,
    );
  }
  if (pcapStop) server.register("colod-pcap-stop", () => pcapStop.call(api), {});
}

/** Sends COLOD_CHECKPOINT_REQUEST to every negotiated client. */
export function emitCheckpointRequest(server: QmpServer, request: CheckpointRequestInfo): void {
  const data: Record<string, unknown> = { reason: request.reason };
  if (request.connection) data.connection = request.connection;
  if (request.instance !== undefined) data.instance = request.instance;
  server.emit(CHECKPOINT_REQUEST_EVENT, data);
}

function countersOf(api: ColodControlApi, instance: string | undefined): unknown[] {
  const all = api.counters();
  const picked = instance === undefined ? all : all.filter((c) => c.instance === instance);
  if (instance !== undefined && picked.length === 0) {
    throw new QmpCommandError(`No colod instance '${instance}'`);
  }
  return picked.map((c) => kebabKeys(c) as unknown);
}

async function delRule(api: ColodControlApi, id: number): Promise<Record<string, never>> {
  if (!(await api.passthroughDel(id))) throw new QmpCommandError(`No passthrough rule with id ${id}`);
  return {};
}

// QAPI member names are lower-case with dashes; label values inside drops/requests keep their own spelling.
function kebabKeys(v: unknown): unknown {
  if (Array.isArray(v) || ArrayBuffer.isView(v)) return Array.from(v as ArrayLike<unknown>);
  if (typeof v !== "object" || v === null) return v;
  const out: Record<string, unknown> = {};
  for (const [k, val] of Object.entries(v))
    out[k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)] = kebabKeys(val);
  return out;
}
