import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { UsageError } from "./errors.js";
import { type DaemonConfig, parseCompareArgs } from "./options.js";

const base = [
  "--primary-in",
  "unix:/tmp/p,server=on",
  "--secondary-in",
  "unix:/tmp/s,server=on",
  "--outdev",
  "unix:/tmp/o",
];

function parse(argv: string[]): DaemonConfig {
  const r = parseCompareArgs(argv);
  if (r === "help") throw new Error("help");
  return r;
}

function usage(argv: string[]): string {
  try {
    parseCompareArgs(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error("no error");
}

describe("colod compare options", () => {
  test("QEMU's defaults", () => {
    const c = parse(base).instances[0]!;
    expect(c).toMatchObject({
      compareTimeout: 3000,
      expiredScanCycle: 1000,
      maxQueueSize: 1024,
      maxConnections: 16384,
      vnetHdrSupport: false,
      name: "colo0",
    });
    expect(c.primaryIn).toMatchObject({ kind: "unix", path: "/tmp/p", server: true });
    expect(c.outdev).toMatchObject({ kind: "unix", path: "/tmp/o", server: false });
    expect(parse(base).controlMode).toBe(0o600);
  });
  test("QEMU spellings: underscores, vnet_hdr_support=on, bare flag", () => {
    const argv = [
      "--primary_in=unix:/a",
      "--secondary_in",
      "unix:/b",
      "--outdev=unix:/c",
      "--compare_timeout=500",
      "--vnet_hdr_support",
    ];
    const c = parse(argv).instances[0]!;
    expect(c.compareTimeout).toBe(500);
    expect(c.vnetHdrSupport).toBe(true);
    expect(parse([...base, "--vnet-hdr-support=off"]).instances[0]!.vnetHdrSupport).toBe(false);
    expect(parse([...base, "--vnet-hdr-support", "on"]).instances[0]!.vnetHdrSupport).toBe(true);
  });
  test("one clear line naming the option", () => {
    expect(usage(base.slice(2))).toBe(
      "--primary-in is required (e.g. --primary-in unix:/run/colo/primary-in.sock,server=on)",
    );
    expect(usage([...base, "--compare-timeout", "0"])).toBe(
      '--compare-timeout: expected a positive whole number of milliseconds (1-4294967295), got "0"',
    );
    expect(usage([...base, "--max-queue-size", "1.5"])).toBe(
      '--max-queue-size: expected a positive whole number of frames (1-4294967295), got "1.5"',
    );
    expect(usage([...base, "--expired-scan-cycle", "4294967296"])).toMatch(/^--expired-scan-cycle: expected/);
    expect(usage([...base, "--vnet-hdr-support=maybe"])).toBe(
      '--vnet-hdr-support: expected on or off, got "maybe"',
    );
    expect(usage(["--primary-in", "file:/x", ...base.slice(2)])).toBe(
      '--primary-in: invalid endpoint "file:/x": expected unix:PATH, tcp:HOST:PORT or tap:IFNAME',
    );
    expect(usage([...base, "--bogus"])).toMatch(/^unknown option --bogus/);
    expect(usage([...base, "--metrics", "nope"])).toBe(
      '--metrics: expected HOST:PORT (e.g. 127.0.0.1:9464), got "nope"',
    );
    expect(usage([...base, "--log-level", "loud"])).toMatch(/^--log-level: expected debug/);
    expect(usage([...base, "--control-mode", "999"])).toMatch(/^--control-mode: expected an octal/);
  });
  test("inputs and outdev must differ, as QEMU requires", () => {
    expect(
      usage(["--primary-in", "unix:/x", "--secondary-in", "unix:/y", "--outdev", "unix:/x,server=on"]),
    ).toBe("--primary-in and --outdev must be different endpoints (both are unix:/x)");
  });
  test("a tap may be the primary input and the outdev at once (capture its output, release into its host path)", () => {
    const c = parse(["--primary-in", "tap:vnet0", "--secondary-in", "tap:vnet1", "--outdev", "tap:vnet0"])
      .instances[0]!;
    expect(c.outdev).toMatchObject({ kind: "tap", ifname: "vnet0" });
    expect(usage(["--primary-in", "tap:vnet0", "--secondary-in", "tap:vnet0", "--outdev", "unix:/o"])).toBe(
      "--primary-in and --secondary-in must be different endpoints (both are tap:vnet0)",
    );
  });
  test("--help", () => {
    expect(parseCompareArgs(["--help"])).toBe("help");
  });
  test("a config file declares several instances", () => {
    const dir = mkdtempSync(join(tmpdir(), "colod-opt-"));
    const file = join(dir, "colod.json");
    writeFileSync(
      file,
      JSON.stringify({
        control: "/run/colod.qmp",
        metrics: "127.0.0.1:9464",
        instances: [
          {
            name: "vm1",
            "primary-in": "unix:/a,server=on",
            "secondary-in": "unix:/b,server=on",
            outdev: "unix:/c",
          },
          {
            name: "vm2",
            primary_in: "tcp::9001,server=on",
            secondary_in: "tcp::9004,server=on",
            outdev: "tcp:127.0.0.1:9005",
            compare_timeout: 500,
          },
        ],
      }),
    );
    const c = parse(["--config", file]);
    expect(c.instances.map((i) => i.name)).toEqual(["vm1", "vm2"]);
    expect(c.instances[1]!.compareTimeout).toBe(500);
    expect(c.control).toBe("/run/colod.qmp");
    expect(c.metrics).toEqual({ host: "127.0.0.1", port: 9464 });
    writeFileSync(file, JSON.stringify({ instances: [{ name: "x", primary_in: "unix:/a", typo: 1 }] }));
    expect(usage(["--config", file])).toBe(`--config: ${file}: instances[0]: unknown key "typo"`);
    writeFileSync(file, "{not json");
    expect(usage(["--config", file])).toMatch(/is not valid JSON/);
    writeFileSync(
      file,
      JSON.stringify({ instances: [{ "primary-in": "unix:/a", "secondary-in": "unix:/b" }] }),
    );
    expect(usage(["--config", file])).toBe(
      "--config: instances[0]: --outdev is required (e.g. --outdev unix:/run/colo/outdev.sock,server=on)",
    );
  });
});
