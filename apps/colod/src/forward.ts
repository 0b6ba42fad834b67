// `colod forward --from tap:IFNAME --to EP`: on the secondary host, capture the secondary guest's output with
// eBPF and ship it to a remote comparator's secondary-in in QEMU's framing (replaces filter-redirector).
import { parseArgs } from "node:util";
import { EndpointError, openChannel, parseEndpoint } from "@colod/wire";
import { UsageError } from "./errors.js";
import { createLogger } from "./obs/log.js";
import { openTapInput } from "./tap-port.js";

export const FORWARD_HELP = `Usage: colod forward --from tap:IFNAME --to EP [options]

Captures what the guest on tap IFNAME transmits (IPv4 frames, dropped in the kernel so they never leave this
host) and sends them to EP in QEMU's framing, e.g. to a colod or colo-compare secondary-in on the primary host.

  --from tap:IFNAME           the guest's tap device (required)
  --to EP                     unix:PATH or tcp:HOST:PORT, with QEMU's options (required), e.g. tcp:10.0.0.1:9004,reconnect=1
  --role secondary|primary    secondary (default): every frame is dropped in the kernel; primary: non-IPv4 passes
  --vnet-hdr-support          write the vnet_hdr_len word (0: captured frames carry no virtio-net header)
  --log-level LEVEL           debug, info, warn, error or silent (default info)`;

/** Runs `colod forward`; resolves with the exit code when SIGTERM/SIGINT arrives. */
export async function runForward(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv.map((a) => (a.startsWith("--") ? a.replaceAll("_", "-") : a)),
    options: {
      from: { type: "string" },
      to: { type: "string" },
      role: { type: "string" },
      "vnet-hdr-support": { type: "boolean" },
      "log-level": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    console.log(FORWARD_HELP);
    return 0;
  }
  const parse = (opt: string, v: string | undefined) => {
    if (!v) throw new UsageError(`--${opt} is required (see colod forward --help)`);
    try {
      return parseEndpoint(v);
    } catch (e) {
      if (e instanceof EndpointError) throw new UsageError(`--${opt}: ${e.message}`);
      throw e;
    }
  };
  const from = parse("from", values.from);
  const to = parse("to", values.to);
  if (from.kind !== "tap") throw new UsageError(`--from: expected tap:IFNAME, got "${from.spec}"`);
  if (to.kind === "tap") throw new UsageError(`--to: expected unix:PATH or tcp:HOST:PORT, got "${to.spec}"`);
  const role = values.role ?? "secondary";
  if (role !== "primary" && role !== "secondary")
    throw new UsageError(`--role: expected primary or secondary, got "${role}"`);
  const level = (values["log-level"] ?? "info") as "info";
  const log = createLogger({ level, fields: { pid: process.pid, command: "forward" } });
  const vnetHdr = values["vnet-hdr-support"] ?? false;
  let dropped = 0;
  const out = openChannel({
    endpoint: to,
    name: "forward-to",
    vnetHdr,
    onEvent: (ev) => log.info(`channel.${ev.type}`, { channel: ev.channel }),
  });
  const input = await openTapInput(
    from.ifname,
    role,
    (frame) => {
      try {
        out.write(frame, 0);
      } catch (e) {
        // Beyond the channel's hard cap (64 MiB unsent): counted and logged, never silent.
        if (dropped++ % 10000 === 0) log.error("forward.dropped", { dropped, error: (e as Error).message });
      }
    },
    (e) => log.error("tap.error", { error: (e as Error).message }),
  );
  log.info("colod.started", { from: from.spec, to: to.spec, role });
  const code = await new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      log.info("shutdown", { signal });
      resolve(0);
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
  await input.close();
  await Promise.race([out.flush().catch(() => {}), new Promise((r) => setTimeout(r, 2000))]);
  await out.close();
  log.info("colod.exit", { code, forwarded: out.stats.framesOut, dropped });
  log.flush();
  return code;
}
