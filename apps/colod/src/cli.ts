#!/usr/bin/env node
// colod's command line: `colod compare`, `colod demo`, `colod --help`, `colod --version`.
// Exit codes: 0 done (also after SIGTERM/SIGINT), 1 could not start or failed, 2 usage error.
import { Daemon, runUntilSignal } from "./daemon.js";
import { ColodError, UsageError } from "./errors.js";
import { createLogger } from "./obs/log.js";
import { parseCompareArgs } from "./options.js";
import { VERSION } from "./version.js";

const MAIN_HELP = `colod ${VERSION}: the COLO network-output comparator, a drop-in for QEMU's colo-compare

Usage:
  colod compare --primary-in EP --secondary-in EP --outdev EP [--notify-dev EP] [options]
  colod forward --from tap:IFNAME --to EP
                                ship a guest's tap output to a remote comparator (replaces filter-redirector)
  colod demo [--seconds N]      run colod against a built-in primary/secondary traffic generator
  colod --help | --version

Run "colod compare --help" for every option. Docs: docs/operator-guide.md`;

const COMPARE_HELP = `Usage: colod compare --primary-in EP --secondary-in EP --outdev EP [options]

Endpoints (QEMU's socket chardev shorthand):
  EP := unix:PATH[,server=on|off][,wait=on|off][,reconnect=SECONDS]
      | tcp:HOST:PORT[,server=on|off][,wait=on|off][,reconnect=SECONDS][,nodelay=on]
      | tap:IFNAME       (eBPF capture on a VM's tap; as outdev: release into its host path)

colo-compare properties (QEMU's names with dashes; underscores are accepted too):
  --primary-in EP             frames the primary guest sent (required)
  --secondary-in EP           frames the secondary guest sent (required)
  --outdev EP                 where released primary frames go (required)
  --notify-dev EP             Xen-style notify channel: DO_CHECKPOINT out, COLO_CHECKPOINT in
  --compare-timeout MS        a frame held longer than this requests a checkpoint (default 3000)
  --expired-scan-cycle MS     how often held frames are checked for age (default 1000)
  --max-queue-size N          frames held per side per connection, exactly (default 1024)
  --vnet-hdr-support[=on|off] frames carry the vnet_hdr_len word and a virtio-net header (default off)

colod options:
  --name NAME                 instance name in logs and metrics (default colo0)
  --max-connections N         connection table size (default 16384)
  --exec-hook CMD             run CMD (sh -c) for each checkpoint request; COLOD_REASON etc. in its environment
  --pcap FILE                 write diverging primary/secondary pairs to FILE (pcap, opens in Wireshark)
  --config FILE               JSON file declaring several instances (one per VM NIC) and the options below
  --control PATH              QMP control socket (status, counters, checkpoint, passthrough rules, events)
  --control-mode MODE         file mode of the control socket (default 0600)
  --metrics HOST:PORT         Prometheus endpoint at http://HOST:PORT/metrics
  --log-level LEVEL           debug, info, warn, error or silent (default info); logs are JSON lines on stderr
  -h, --help                  this text

Example (the colo-proxy.txt layout, colod in place of the colo-compare object):
  colod compare --primary-in tcp:3.3.3.3:9001 --secondary-in tcp:3.3.3.3:9004,server=on,wait=off \\
                --outdev tcp:3.3.3.3:9005 --control /run/colod.qmp`;

async function compare(argv: string[]): Promise<number> {
  const cfg = parseCompareArgs(argv);
  if (cfg === "help") {
    console.log(COMPARE_HELP);
    return 0;
  }
  const log = createLogger({ level: cfg.logLevel, fields: { pid: process.pid } });
  const daemon = new Daemon(cfg, log);
  const done = runUntilSignal(daemon, log);
  await daemon.start();
  log.info("colod.started", { version: VERSION, instances: cfg.instances.length });
  const code = await done;
  // The last line says how colod ended: some runtimes' child_process report a handled SIGTERM as a signal death.
  log.info("colod.exit", { code });
  log.flush();
  return code;
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case undefined:
    case "-h":
    case "--help":
    case "help":
      console.log(MAIN_HELP);
      return cmd === undefined ? 2 : 0;
    case "-V":
    case "--version":
      console.log(`colod ${VERSION}`);
      return 0;
    case "compare":
      return compare(rest);
    case "forward": {
      const { runForward } = await import("./forward.js");
      return runForward(rest);
    }
    case "demo": {
      const { runDemo } = await import("./demo.js");
      return runDemo(rest);
    }
    default:
      throw new UsageError(`unknown command "${cmd}"; expected compare, forward or demo (see colod --help)`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof UsageError) {
      console.error(`colod: ${e.message}`);
      process.exit(2);
    }
    console.error(`colod: ${e instanceof ColodError ? e.message : ((e as Error)?.stack ?? String(e))}`);
    process.exit(1);
  },
);
