// The `colod compare` command line (SPEC section 3) and the config file, turned into checked settings.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { type Endpoint, EndpointError, parseEndpoint } from "@colod/wire";
import { UsageError } from "./errors.js";

/** One comparator instance: one primary/secondary pair (one VM NIC), QEMU's colo-compare object. */
export interface InstanceConfig {
  name: string;
  primaryIn: Endpoint;
  secondaryIn: Endpoint;
  outdev: Endpoint;
  notifyDev?: Endpoint;
  compareTimeout: number;
  expiredScanCycle: number;
  maxQueueSize: number;
  maxConnections: number;
  vnetHdrSupport: boolean;
  /** Command run for every checkpoint request, with the reason in its environment. */
  execHook?: string;
  /** File receiving diverging primary/secondary pairs as pcap. */
  pcap?: string;
}

/** Everything one colod process runs. */
export interface DaemonConfig {
  instances: InstanceConfig[];
  /** QMP control socket path. */
  control?: string;
  controlMode: number;
  /** Prometheus endpoint. */
  metrics?: { host: string; port: number };
  logLevel: "debug" | "info" | "warn" | "error" | "silent";
}

/** QEMU's defaults for colo-compare (DEFAULT_TIME_OUT_MS, REGULAR_PACKET_CHECK_MS, MAX_QUEUE_SIZE, HASHTABLE_MAX_SIZE). */
export const DEFAULTS = {
  compareTimeout: 3000,
  expiredScanCycle: 1000,
  maxQueueSize: 1024,
  maxConnections: 16384,
};

const U32_MAX = 0xffffffff;

const OPTIONS = {
  "primary-in": { type: "string" },
  "secondary-in": { type: "string" },
  outdev: { type: "string" },
  "notify-dev": { type: "string" },
  "compare-timeout": { type: "string" },
  "expired-scan-cycle": { type: "string" },
  "max-queue-size": { type: "string" },
  "max-connections": { type: "string" },
  "vnet-hdr-support": { type: "string" },
  name: { type: "string" },
  "exec-hook": { type: "string" },
  pcap: { type: "string" },
  config: { type: "string" },
  control: { type: "string" },
  "control-mode": { type: "string" },
  metrics: { type: "string" },
  "log-level": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** Option names of `colod compare`, for --help and error messages. */
export const COMPARE_OPTION_NAMES = Object.keys(OPTIONS);

/**
 * Accepts QEMU's spellings too: `--primary_in`, `--vnet_hdr_support`, `--vnet-hdr-support=on`, and a bare
 * `--vnet-hdr-support` flag, so an operator can paste colo-compare properties.
 */
function normaliseArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i]!;
    if (a === "--") {
      out.push(...argv.slice(i));
      break;
    }
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const name = (eq < 0 ? a.slice(2) : a.slice(2, eq)).replaceAll("_", "-");
      a = `--${name}${eq < 0 ? "" : a.slice(eq)}`;
      if (name === "vnet-hdr-support" && eq < 0) {
        const next = argv[i + 1];
        if (next !== undefined && /^(on|off|true|false|yes|no)$/.test(next)) {
          out.push(`--vnet-hdr-support=${next}`);
          i++;
        } else out.push("--vnet-hdr-support=on");
        continue;
      }
    }
    out.push(a);
  }
  return out;
}

function uint(option: string, raw: string | number | undefined, dflt: number, unit: string): number {
  if (raw === undefined) return dflt;
  const s = String(raw);
  if (!/^\d+$/.test(s) || Number(s) === 0 || Number(s) > U32_MAX) {
    throw new UsageError(
      `--${option}: expected a positive whole number of ${unit} (1-${U32_MAX}), got "${s}"`,
    );
  }
  return Number(s);
}

function bool(option: string, raw: string | boolean | undefined): boolean {
  if (raw === undefined) return false;
  if (typeof raw === "boolean") return raw;
  if (/^(on|true|yes)$/.test(raw)) return true;
  if (/^(off|false|no)$/.test(raw)) return false;
  throw new UsageError(`--${option}: expected on or off, got "${raw}"`);
}

function endpoint(option: string, raw: string | undefined, required: boolean): Endpoint | undefined {
  if (raw === undefined || raw === "") {
    if (required)
      throw new UsageError(
        `--${option} is required (e.g. --${option} unix:/run/colo/${option}.sock,server=on)`,
      );
    return undefined;
  }
  try {
    return parseEndpoint(raw);
  } catch (e) {
    if (e instanceof EndpointError) throw new UsageError(`--${option}: ${e.message}`, { cause: e });
    throw e;
  }
}

function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  if (a.kind === "unix" && b.kind === "unix") return a.path === b.path;
  if (a.kind === "tcp" && b.kind === "tcp")
    return a.host === b.host && a.port === b.port && a.server === b.server;
  if (a.kind === "tap" && b.kind === "tap") return a.ifname === b.ifname;
  return false;
}

type Raw = Record<string, string | boolean | number | undefined>;

/** Checks one instance's settings (from argv or a config-file entry). */
export function instanceFromRaw(raw: Raw, name: string): InstanceConfig {
  const s = (k: string) => (raw[k] === undefined ? undefined : String(raw[k]));
  const cfg: InstanceConfig = {
    name,
    primaryIn: endpoint("primary-in", s("primary-in"), true)!,
    secondaryIn: endpoint("secondary-in", s("secondary-in"), true)!,
    outdev: endpoint("outdev", s("outdev"), true)!,
    notifyDev: endpoint("notify-dev", s("notify-dev"), false),
    compareTimeout: uint("compare-timeout", s("compare-timeout"), DEFAULTS.compareTimeout, "milliseconds"),
    expiredScanCycle: uint(
      "expired-scan-cycle",
      s("expired-scan-cycle"),
      DEFAULTS.expiredScanCycle,
      "milliseconds",
    ),
    maxQueueSize: uint("max-queue-size", s("max-queue-size"), DEFAULTS.maxQueueSize, "frames"),
    maxConnections: uint("max-connections", s("max-connections"), DEFAULTS.maxConnections, "connections"),
    vnetHdrSupport: bool("vnet-hdr-support", raw["vnet-hdr-support"] as string | boolean | undefined),
    execHook: s("exec-hook"),
    pcap: s("pcap"),
  };
  const roles: [string, Endpoint | undefined][] = [
    ["primary-in", cfg.primaryIn],
    ["secondary-in", cfg.secondaryIn],
    ["outdev", cfg.outdev],
    ["notify-dev", cfg.notifyDev],
  ];
  for (let i = 0; i < roles.length; i++) {
    for (let j = i + 1; j < roles.length; j++) {
      const [na, a] = roles[i]!;
      const [nb, b] = roles[j]!;
      // A tap is both: capture its guest's output (primary-in) and release into its host path (outdev).
      const tapInAndOut = a?.kind === "tap" && na === "primary-in" && nb === "outdev";
      if (a && b && !tapInAndOut && sameEndpoint(a, b))
        throw new UsageError(`--${na} and --${nb} must be different endpoints (both are ${a.spec})`);
    }
  }
  if (cfg.notifyDev?.kind === "tap")
    throw new UsageError("--notify-dev: must be a unix: or tcp: endpoint, not tap:");
  return cfg;
}

function logLevel(raw: string | undefined): DaemonConfig["logLevel"] {
  if (raw === undefined) return "info";
  if (["debug", "info", "warn", "error", "silent"].includes(raw)) return raw as DaemonConfig["logLevel"];
  throw new UsageError(`--log-level: expected debug, info, warn, error or silent, got "${raw}"`);
}

function hostPort(option: string, raw: string | undefined): { host: string; port: number } | undefined {
  if (raw === undefined) return undefined;
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(raw);
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port > 65535)
    throw new UsageError(`--${option}: expected HOST:PORT (e.g. 127.0.0.1:9464), got "${raw}"`);
  return { host: m[1] ?? (m[2] || "127.0.0.1"), port };
}

function mode(raw: string | undefined): number {
  if (raw === undefined) return 0o600;
  if (!/^0?[0-7]{3}$/.test(raw))
    throw new UsageError(`--control-mode: expected an octal file mode such as 0600, got "${raw}"`);
  return Number.parseInt(raw, 8);
}

/** Reads a JSON config file declaring several instances (see docs/operator-guide.md). */
export function loadConfigFile(path: string): { instances: Raw[]; daemon: Raw } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new UsageError(`--config: cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--config: ${path} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  if (
    typeof json !== "object" ||
    json === null ||
    !Array.isArray((json as { instances?: unknown }).instances)
  ) {
    throw new UsageError(`--config: ${path} must be a JSON object with an "instances" array`);
  }
  const { instances, ...daemon } = json as { instances: unknown[] } & Raw;
  instances.forEach((it, i) => {
    if (typeof it !== "object" || it === null || Array.isArray(it)) {
      throw new UsageError(`--config: ${path}: instances[${i}] must be an object`);
    }
    for (const k of Object.keys(it)) {
      if (!COMPARE_OPTION_NAMES.includes(k.replaceAll("_", "-")) || ["config", "help"].includes(k)) {
        throw new UsageError(`--config: ${path}: instances[${i}]: unknown key "${k}"`);
      }
    }
  });
  return {
    instances: instances.map((it) =>
      Object.fromEntries(Object.entries(it as Raw).map(([k, v]) => [k.replaceAll("_", "-"), v])),
    ),
    daemon,
  };
}

/** Parses `colod compare ...` arguments; throws UsageError naming the option that is wrong. */
export function parseCompareArgs(argv: readonly string[]): DaemonConfig | "help" {
  let values: Raw;
  try {
    const r = parseArgs({
      args: normaliseArgv(argv),
      options: OPTIONS,
      strict: true,
      allowPositionals: false,
    });
    values = r.values as Raw;
  } catch (e) {
    const msg = (e as Error).message.replace(/\. To specify.*$/s, "");
    throw new UsageError(
      msg.replace(/^Unknown option '([^']+)'$/, "unknown option $1; see colod compare --help"),
      { cause: e },
    );
  }
  if (values.help) return "help";
  const instances: InstanceConfig[] = [];
  let daemonRaw: Raw = {};
  if (values.config !== undefined) {
    const file = loadConfigFile(String(values.config));
    daemonRaw = file.daemon;
    file.instances.forEach((raw, i) => {
      try {
        instances.push(instanceFromRaw(raw, String(raw.name ?? `colo${i}`)));
      } catch (e) {
        if (e instanceof UsageError)
          throw new UsageError(`--config: instances[${i}]: ${e.message}`, { cause: e });
        throw e;
      }
    });
    const names = new Set<string>();
    for (const it of instances) {
      if (names.has(it.name)) throw new UsageError(`--config: two instances are named "${it.name}"`);
      names.add(it.name);
    }
  }
  if (values["primary-in"] !== undefined || values.config === undefined) {
    instances.push(instanceFromRaw(values, String(values.name ?? "colo0")));
  }
  const pick = (k: string) => (values[k] ?? daemonRaw[k]) as string | undefined;
  return {
    instances,
    control: pick("control"),
    controlMode: mode(pick("control-mode")),
    metrics: hostPort("metrics", pick("metrics")),
    logLevel: logLevel(pick("log-level")),
  };
}
