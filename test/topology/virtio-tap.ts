// The colo-proxy.txt primary/secondary with a real vnet header: hn0 is a tap (vnet_hdr=on) whose peer is a
// virtio-net-pci NIC, so QEMU itself sets hn0's vnet_hdr_len. There is no guest: the firmware is 64 KiB of
// `hlt` (the CPU halts at the reset vector with interrupts off), and a redirector indev on hn0 stands in for
// the guest's transmit path. Each QEMU runs in its own network namespace so its tap touches nothing else.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parsePcap, sh } from "../harness/netns.js";
import { sleep } from "../harness/qemu.js";

/** x86 `hlt`; a BIOS image of nothing else stops the vCPU at its first instruction. */
const HLT = 0xf4;
/** The smallest BIOS image the pc machine maps (64 KiB below 4 GiB, reset vector in its last 16 bytes). */
const BIOS_SIZE = 0x10000;
const TCPDUMP_START_MS = 10_000;

/** Writes the halting firmware into dir and returns its path. */
export function hltBios(dir: string): string {
  const path = join(dir, "hlt.bin");
  writeFileSync(path, new Uint8Array(BIOS_SIZE).fill(HLT));
  return path;
}

let seq = 0;

/** A fresh network namespace without IPv6 (no router solicitations or MLD on its taps). */
export function createNetns(): { name: string; destroy(): void } {
  const name = `cdtopo-${process.pid.toString(36)}${(seq++).toString(36)}`;
  sh("ip", ["netns", "add", name]);
  for (const scope of ["all", "default"]) {
    sh("ip", ["netns", "exec", name, "sysctl", "-q", "-w", `net.ipv6.conf.${scope}.disable_ipv6=1`]);
  }
  return { name, destroy: () => void spawnSync("ip", ["netns", "del", name]) };
}

/** Sockets and devices of one virtio QEMU. */
export interface VirtioSide {
  bios: string;
  tap: string;
  /** Where the test writes the "guest's" transmitted frames (the guest_tx redirector's indev). */
  guestTx: string;
  qmp: string;
}

function virtioBase(s: VirtioSide, mac: string): string[] {
  return [
    ...["-machine", "pc", "-accel", "tcg", "-bios", s.bios, "-nodefaults", "-display", "none", "-nographic"],
    ...["-netdev", `tap,id=hn0,ifname=${s.tap},script=no,downscript=no,vhost=off,vnet_hdr=on`],
    ...["-device", `virtio-net-pci,netdev=hn0,mac=${mac}`],
    ...["-chardev", `socket,id=guest_tx,path=${s.guestTx},server=on,wait=off`],
    ...["-qmp", `unix:${s.qmp},server=on,wait=off`],
  ];
}

// Listed last: rx runs filters in reverse order, so what guest_tx injects passes every other rx filter.
const GUEST_TX = "filter-redirector,id=guest_tx,netdev=hn0,queue=rx,indev=guest_tx,vnet_hdr_support=on";

/** Primary: colo-proxy.txt's redire0 / redire1 with vnet_hdr_support, chardevs compare0 and compare_out. */
export function virtioPrimaryArgs(s: VirtioSide, compare0: string, compareOut: string): string[] {
  return [
    ...virtioBase(s, "52:54:00:12:78:66"),
    ...["-chardev", `socket,id=compare0,path=${compare0},server=on,wait=off`],
    ...["-chardev", `socket,id=compare_out,path=${compareOut},server=on,wait=off`],
    ...["-object", "filter-redirector,id=redire0,netdev=hn0,queue=rx,indev=compare_out,vnet_hdr_support=on"],
    ...["-object", "filter-redirector,id=redire1,netdev=hn0,queue=rx,outdev=compare0,vnet_hdr_support=on"],
    ...["-object", GUEST_TX],
  ];
}

/** Secondary: colo-proxy.txt's f2 with vnet_hdr_support; red1 connects to colod's secondary-in. */
export function virtioSecondaryArgs(s: VirtioSide, secondaryIn: string): string[] {
  return [
    ...virtioBase(s, "52:54:00:12:78:66"),
    ...["-chardev", `socket,id=red1,path=${secondaryIn}`],
    ...["-object", "filter-redirector,id=f2,netdev=hn0,queue=rx,outdev=red1,vnet_hdr_support=on"],
    ...["-object", GUEST_TX],
  ];
}

/** tcpdump on a device inside a namespace, writing a pcap file. */
export interface Capture {
  /** Stops tcpdump after settleMs and returns the frames it saw, in order. */
  stop(settleMs?: number): Promise<Uint8Array[]>;
}

/** Starts tcpdump on ifname in netns (inbound frames only) and resolves once it is listening. */
export async function capture(netns: string, ifname: string, filter: string[]): Promise<Capture> {
  const dir = mkdtempSync(join(tmpdir(), "cd-pcap-"));
  const file = join(dir, "tap.pcap");
  const args = ["netns", "exec", netns, "tcpdump", "-i", ifname, "-Q", "in", "-n", "-U"];
  const proc = spawn("ip", [...args, "--immediate-mode", "-w", file, ...filter], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  await listening(proc);
  return {
    async stop(settleMs = 100) {
      await sleep(settleMs);
      proc.kill("SIGINT");
      await exited;
      const frames = existsSync(file) ? parsePcap(readFileSync(file)) : [];
      rmSync(dir, { recursive: true, force: true });
      return frames;
    },
  };
}

function listening(proc: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let err = "";
    const timer = setTimeout(() => reject(new Error(`tcpdump did not start: ${err}`)), TCPDUMP_START_MS);
    proc.stderr?.setEncoding("utf8");
    proc.stderr?.on("data", (s: string) => {
      err += s;
      if (err.includes("listening on")) {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`tcpdump exited with ${code}: ${err}`));
    });
  });
}
