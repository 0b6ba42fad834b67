import { EndpointError } from "./errors.js";

/** Options shared by socket endpoints, spelled as QEMU's socket chardev spells them. */
interface SocketEndpointBase {
  /** Listen (server=on) or connect (server=off, QEMU's default). */
  server: boolean;
  /** QEMU's `wait`: accepted for command-line compatibility; colod never blocks start-up waiting for a peer. */
  wait: boolean;
  /** Clients: seconds between reconnection attempts; 0 = do not reconnect. */
  reconnect: number;
  /** Set TCP_NODELAY (tcp only; accepted and ignored for unix). */
  nodelay: boolean;
  /** The spec as given, for messages. */
  spec: string;
}

/** `unix:PATH[,server=on|off][,wait=on|off][,reconnect=N]` */
export interface UnixEndpoint extends SocketEndpointBase {
  kind: "unix";
  path: string;
}

/** `tcp:HOST:PORT[,...]`; an empty HOST means every address for a server and localhost for a client. */
export interface TcpEndpoint extends SocketEndpointBase {
  kind: "tcp";
  host: string;
  port: number;
}

/** `tap:IFNAME`: eBPF capture on a VM's tap device (input), or release into its host path (outdev). */
export interface TapEndpoint {
  kind: "tap";
  ifname: string;
  spec: string;
}

/** A parsed endpoint spec. */
export type Endpoint = UnixEndpoint | TcpEndpoint | TapEndpoint;

/** Longest unix socket path the kernel accepts (sizeof(sun_path) - 1). */
const MAX_UNIX_PATH = 107;
/** Longest Linux interface name (IFNAMSIZ - 1). */
const MAX_IFNAME = 15;
const OPTIONS = "server, wait, nowait, nodelay, reconnect";

/** Splits QEMU-style `a,b=c` options where `,,` stands for a literal comma. */
function splitOpts(s: string): string[] {
  const parts: string[] = [];
  let cur = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === ",") {
      if (s[i + 1] === ",") {
        cur += ",";
        i++;
        continue;
      }
      parts.push(cur);
      cur = "";
      continue;
    }
    cur += c;
  }
  parts.push(cur);
  return parts;
}

function parseBool(spec: string, key: string, value: string | undefined): boolean {
  if (value === undefined) return true; // bare flag, as QEMU accepts `server` and `nodelay`
  if (value === "on" || value === "yes" || value === "true") return true;
  if (value === "off" || value === "no" || value === "false") return false;
  throw new EndpointError(spec, `${key}=${value}: expected ${key}=on or ${key}=off`);
}

function parseSocketOpts(spec: string, opts: string[]): Omit<SocketEndpointBase, "spec"> {
  const out = { server: false, wait: true, reconnect: 0, nodelay: false };
  let sawWait = false;
  let sawReconnect = false;
  for (const o of opts) {
    if (o === "") throw new EndpointError(spec, "empty option (stray comma?)");
    const eq = o.indexOf("=");
    const key = eq < 0 ? o : o.slice(0, eq);
    const value = eq < 0 ? undefined : o.slice(eq + 1);
    switch (key) {
      case "server":
        out.server = parseBool(spec, key, value);
        break;
      case "wait":
        out.wait = parseBool(spec, key, value);
        sawWait = true;
        break;
      case "nowait":
        if (value !== undefined) throw new EndpointError(spec, "nowait takes no value; write wait=off");
        out.wait = false;
        sawWait = true;
        break;
      case "nodelay":
        out.nodelay = parseBool(spec, key, value);
        break;
      case "reconnect": {
        if (value === undefined || !/^\d+$/.test(value) || Number(value) > 2 ** 31) {
          throw new EndpointError(spec, `reconnect=${value ?? ""}: expected a whole number of seconds`);
        }
        out.reconnect = Number(value);
        sawReconnect = true;
        break;
      }
      default:
        throw new EndpointError(spec, `unknown option "${key}"; expected one of ${OPTIONS}`);
    }
  }
  if (out.server && sawReconnect && out.reconnect > 0) {
    throw new EndpointError(spec, "reconnect is for clients; it cannot be combined with server=on");
  }
  if (!out.server && sawWait) {
    throw new EndpointError(spec, "wait applies to server=on only; a client never waits");
  }
  return out;
}

/**
 * Parses an endpoint in QEMU's socket chardev shorthand (SPEC section 3), so a QEMU command line moves over
 * unchanged. Throws EndpointError with a message naming the spec and what is wrong.
 * @example parseEndpoint("unix:/run/colo/pri.sock,server=on,wait=off")
 */
export function parseEndpoint(spec: string): Endpoint {
  const colon = spec.indexOf(":");
  const kind = colon < 0 ? "" : spec.slice(0, colon);
  const rest = colon < 0 ? "" : spec.slice(colon + 1);
  if (kind === "tap") {
    if (rest.includes(",")) throw new EndpointError(spec, "tap endpoints take no options");
    if (rest.length === 0) throw new EndpointError(spec, "missing interface name after tap:");
    if (rest.length > MAX_IFNAME || !/^[^\s/:]+$/.test(rest)) {
      throw new EndpointError(
        spec,
        `"${rest}" is not a valid interface name (1-${MAX_IFNAME} characters, no /, : or spaces)`,
      );
    }
    return { kind: "tap", ifname: rest, spec };
  }
  if (kind !== "unix" && kind !== "tcp") {
    throw new EndpointError(spec, "expected unix:PATH, tcp:HOST:PORT or tap:IFNAME");
  }
  const [addr = "", ...opts] = splitOpts(rest);
  const base = parseSocketOpts(spec, opts);
  if (kind === "unix") {
    if (addr.length === 0) throw new EndpointError(spec, "missing socket path after unix:");
    if (new TextEncoder().encode(addr).length > MAX_UNIX_PATH) {
      throw new EndpointError(spec, `socket path is longer than ${MAX_UNIX_PATH} bytes; use a shorter path`);
    }
    return { kind: "unix", path: addr, ...base, spec };
  }
  let host: string;
  let portStr: string;
  if (addr.startsWith("[")) {
    const close = addr.indexOf("]");
    if (close < 0 || addr[close + 1] !== ":") throw new EndpointError(spec, "expected tcp:[IPV6]:PORT");
    host = addr.slice(1, close);
    portStr = addr.slice(close + 2);
  } else {
    const last = addr.lastIndexOf(":");
    if (last < 0) throw new EndpointError(spec, "expected tcp:HOST:PORT");
    host = addr.slice(0, last);
    portStr = addr.slice(last + 1);
    if (host.includes(":")) throw new EndpointError(spec, "IPv6 addresses go in brackets: tcp:[::1]:PORT");
  }
  if (!/^\d+$/.test(portStr)) throw new EndpointError(spec, `port "${portStr}" is not a number`);
  const port = Number(portStr);
  if (port > 65535 || (port === 0 && !base.server)) {
    throw new EndpointError(spec, `port ${portStr} is out of range (1-65535; 0 only with server=on)`);
  }
  return { kind: "tcp", host, port, ...base, spec };
}

/** The canonical spec of an endpoint (defaults spelled out), for logs and status output. */
export function formatEndpoint(ep: Endpoint): string {
  if (ep.kind === "tap") return `tap:${ep.ifname}`;
  const addr =
    ep.kind === "unix"
      ? ep.path.replaceAll(",", ",,")
      : `${ep.host.includes(":") ? `[${ep.host}]` : ep.host}:${ep.port}`;
  let s = `${ep.kind}:${addr},server=${ep.server ? "on" : "off"}`;
  if (ep.server) s += `,wait=${ep.wait ? "on" : "off"}`;
  else if (ep.reconnect > 0) s += `,reconnect=${ep.reconnect}`;
  if (ep.nodelay) s += ",nodelay=on";
  return s;
}
