// Start-up checks: version and capability parsing, and the real error a process without CAP_BPF /
// CAP_NET_ADMIN gets (a child run with those capabilities removed from its bounding set).
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ExistsError, InvalidArgumentError, NotFoundError, PermissionError } from "libbpf-ts";
import { describe, expect, test } from "vitest";
import { createTopology, netnsUnavailable } from "../../../test/harness/netns.js";
import { currentRuntime } from "../../../test/harness/runtime.js";
import { attachError } from "./attach.js";
import { AttachError, InterfaceNotFoundError, KernelSupportError, PrivilegeError } from "./errors.js";
import { loadError } from "./object.js";
import { checkKernel, effectiveCaps, kernelAtLeast, kernelVersion, missingCaps } from "./preflight.js";

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

describe("start-up errors", () => {
  test("an old kernel gets KernelSupportError naming the feature and both versions", () => {
    expect(() => checkKernel("XDP live-frame release", 5, 18, "5.15.0-91-generic")).toThrow(
      KernelSupportError,
    );
    expect(() => checkKernel("XDP live-frame release", 5, 18, "5.15.0-91-generic")).toThrow(
      "XDP live-frame release needs Linux >= 5.18; this kernel is 5.15.0-91-generic",
    );
    expect(() => checkKernel("TCX", 6, 6, "6.18.44")).not.toThrow();
  });

  test("libbpf errors map to this package's errors, keeping the cause", () => {
    const eperm = new PermissionError("bpf_link_create failed: EPERM", "EPERM", { errno: 1 });
    const enodev = new NotFoundError("no device", "ENODEV", { errno: 19 });
    const einval = new InvalidArgumentError("bpf_link_create failed: EINVAL", "EINVAL", { errno: 22 });
    const ebusy = new ExistsError("busy", "EBUSY", { errno: 16 });
    const priv = attachError("vnet0", true, eperm);
    expect(priv).toBeInstanceOf(PrivilegeError);
    expect((priv as PrivilegeError).code).toBe("ERR_CAPTURE_PRIVILEGE");
    expect(priv.message).toContain("tap:vnet0");
    expect(priv.cause).toBe(eperm);
    expect(attachError("vnet0", true, enodev)).toBeInstanceOf(InterfaceNotFoundError);
    expect(attachError("vnet0", true, einval)).toBeInstanceOf(KernelSupportError);
    expect(attachError("vnet0", true, einval).message).toContain("TCX");
    expect(attachError("vnet0", false, einval)).toBeInstanceOf(AttachError);
    expect(attachError("vnet0", true, ebusy)).toBeInstanceOf(AttachError);
    expect(loadError("tap:vnet0 capture", eperm)).toBeInstanceOf(PrivilegeError);
    expect(loadError("tap:vnet0 capture", einval)).toBeInstanceOf(KernelSupportError);
    expect(loadError("tap:vnet0 capture", ebusy)).toBeInstanceOf(AttachError);
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
