// Start-up checks: version and capability parsing, and the real error a process without CAP_BPF /
// CAP_NET_ADMIN gets (a child run with those capabilities removed from its bounding set).
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { createTopology, netnsUnavailable } from "../../../test/harness/netns.js";
import { currentRuntime } from "../../../test/harness/runtime.js";
import { effectiveCaps, kernelAtLeast, kernelVersion, missingCaps } from "./preflight.js";

describe("kernel version", () => {
  test("parses uname release strings", () => {
    expect(kernelVersion("6.18.44-fc-v669")).toEqual([6, 18]);
    expect(kernelVersion("5.15.0-91-generic")).toEqual([5, 15]);
    expect(kernelVersion("garbage")).toEqual([0, 0]);
  });

  test("compares major.minor", () => {
    expect(kernelAtLeast(6, 6, "6.6.0")).toBe(true);
    expect(kernelAtLeast(6, 6, "6.5.13")).toBe(false);
    expect(kernelAtLeast(6, 6, "7.0.1")).toBe(true);
    expect(kernelAtLeast(5, 18, "5.4.0")).toBe(false);
  });
});

describe("capabilities", () => {
  const status = (hex: string) =>
    `Name:\tcolod\nCapInh:\t0000000000000000\nCapEff:\t${hex}\nCapBnd:\t000001ffffffffff\n`;

  test("root has everything", () => {
    expect(missingCaps(effectiveCaps(status("000001ffffffffff")))).toEqual([]);
  });

  test("names each missing capability; CAP_SYS_ADMIN stands in for CAP_BPF", () => {
    expect(missingCaps(effectiveCaps(status("0000000000000000")))).toEqual(["CAP_BPF", "CAP_NET_ADMIN"]);
    expect(missingCaps(effectiveCaps(status("0000008000000000")))).toEqual(["CAP_NET_ADMIN"]); // CAP_BPF only
    expect(missingCaps(effectiveCaps(status("0000000000201000")))).toEqual([]); // SYS_ADMIN + NET_ADMIN
    expect(missingCaps(effectiveCaps(status("0000000000001000")))).toEqual(["CAP_BPF"]);
  });
});

const noSetpriv = netnsUnavailable() ?? (process.getuid?.() === 0 ? undefined : "needs root");

describe.skipIf(noSetpriv)("without CAP_BPF and CAP_NET_ADMIN", () => {
  test("openTapCapture fails at start-up with PrivilegeError naming both", async () => {
    const topo = createTopology({ taps: 1 });
    try {
      const runTs = fileURLToPath(new URL("../scripts/run-ts.mjs", import.meta.url));
      const child = fileURLToPath(new URL("./failopen-child.fixtures.ts", import.meta.url));
      const rt = [runTs, child, topo.taps[0]!];
      const drop = ["--bounding-set=-bpf,-net_admin,-sys_admin", "--inh-caps=-all", "--"];
      const args = [
        ...drop,
        process.execPath,
        ...(currentRuntime().name === "deno" ? ["run", "-A", ...rt] : rt),
      ];
      const out = await new Promise<{ code: number | null; text: string }>((resolve) => {
        const p = spawn("setpriv", args, { stdio: ["ignore", "pipe", "pipe"] });
        let text = "";
        p.stdout.on("data", (b: Buffer) => {
          text += b.toString();
        });
        p.stderr.on("data", (b: Buffer) => {
          text += b.toString();
        });
        p.once("exit", (code) => resolve({ code, text }));
      });
      expect(out.text).toContain("error ERR_CAPTURE_PRIVILEGE");
      expect(out.text).toContain(`tap:${topo.taps[0]} capture: missing CAP_BPF and CAP_NET_ADMIN`);
      expect(out.code).toBe(1);
    } finally {
      topo.destroy();
    }
  });
});
