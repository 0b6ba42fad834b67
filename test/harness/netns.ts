// Real-device topology for tap capture tests: persistent taps (one per guest) and a bridge in the test's own
// network namespace (BPF attaches by ifindex there), a veth into an "outside" namespace where tcpdump records
// what reached the network, and a tiny C "guest" that writes frames into a tap through /dev/net/tun.
// Needs root, iproute2, tcpdump and cc. Only node: modules, so it runs under Node, Bun and Deno.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const START_TIMEOUT_MS = 10_000;

let seq = 0;

/** Runs a command and throws with its stderr if it fails. */
export function sh(cmd: string, args: readonly string[]): string {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.status !== 0) {
    throw new Error(
      `${cmd} ${args.join(" ")} failed (${r.status ?? r.signal}): ${r.stderr || r.error?.message}`,
    );
  }
  return r.stdout;
}

/** Why real-device tests cannot run here, or undefined when they can (root, tun, iproute2, tcpdump, cc). */
export function netnsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root (network namespaces, taps, BPF)";
  if (!existsSync("/dev/net/tun")) return "needs /dev/net/tun";
  for (const tool of ["ip", "tcpdump", "cc"]) {
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) return `needs ${tool} on PATH`;
  }
  return undefined;
}

/** Kernel ifindex of a device in this namespace. */
export function ifindexOf(ifname: string): number {
  return Number(readFileSync(`/sys/class/net/${ifname}/ifindex`, "utf8"));
}

/** A bridge with taps in this namespace and a veth leg into a private "outside" namespace. */
export interface Topology {
  /** Unique short tag of this topology (from the pid), part of every name. */
  readonly tag: string;
  /** Tap names, in the order asked for. */
  readonly taps: readonly string[];
  readonly bridge: string;
  /** The outside namespace and its veth end, where the recorder listens. */
  readonly netns: string;
  readonly outsideIf: string;
  /** Starts tcpdump on the outside veth with a pcap filter; resolves once it is listening. */
  record(filter?: string): Promise<Recorder>;
  /** Deletes every device and the namespace. */
  destroy(): void;
}

/** Options of `createTopology`. */
export interface TopologyOptions {
  /** How many taps (default 1). */
  taps?: number;
  /** MTU of every device (default 1500). */
  mtu?: number;
}

/** Builds the topology; names are unique per process and call, so parallel test files do not collide. */
export function createTopology(opts: TopologyOptions = {}): Topology {
  const tag = `c${process.pid.toString(36)}${(seq++).toString(36)}`;
  const mtu = String(opts.mtu ?? 1500);
  const taps = Array.from({ length: opts.taps ?? 1 }, (_, i) => `${tag}t${i}`);
  const bridge = `${tag}br`;
  const hostIf = `${tag}vh`;
  const outsideIf = `${tag}vn`;
  const netns = `colod-${tag}`;
  const destroy = () => {
    for (const dev of [...taps, bridge, hostIf]) spawnSync("ip", ["link", "del", dev]);
    spawnSync("ip", ["netns", "del", netns]);
  };
  try {
    sh("ip", ["netns", "add", netns]);
    sh("ip", ["link", "add", bridge, "mtu", mtu, "type", "bridge", "stp_state", "0", "forward_delay", "0"]);
    sh("ip", ["link", "add", hostIf, "mtu", mtu, "type", "veth", "peer", "name", outsideIf, "netns", netns]);
    for (const tap of taps) {
      sh("ip", ["tuntap", "add", "mode", "tap", "name", tap]);
      sh("ip", ["link", "set", tap, "mtu", mtu, "master", bridge, "up"]);
    }
    // No IPv6 on our devices: router solicitations and MLD reports would be noise in the recordings.
    for (const dev of [bridge, hostIf, ...taps]) quietIpv6(dev);
    sh("ip", ["link", "set", hostIf, "master", bridge, "up"]);
    sh("ip", ["link", "set", bridge, "up"]);
    sh("ip", ["netns", "exec", netns, "sysctl", "-q", "-w", `net.ipv6.conf.all.disable_ipv6=1`]);
    sh("ip", ["-n", netns, "link", "set", outsideIf, "mtu", mtu, "up"]);
  } catch (e) {
    destroy();
    throw e;
  }
  return { tag, taps, bridge, netns, outsideIf, destroy, record: (f) => startRecorder(netns, outsideIf, f) };
}

function quietIpv6(dev: string): void {
  writeFileSync(`/proc/sys/net/ipv6/conf/${dev}/disable_ipv6`, "1");
}

/** A running tcpdump in the outside namespace. */
export interface Recorder {
  /** Stops tcpdump (after `settleMs` for frames in flight) and returns every frame it saw, in order. */
  stop(settleMs?: number): Promise<Uint8Array[]>;
}

async function startRecorder(netns: string, ifname: string, filter = ""): Promise<Recorder> {
  const dir = mkdtempSync(join(tmpdir(), "colod-rec-"));
  const file = join(dir, "out.pcap");
  // --immediate-mode: with TPACKET_V3 blocks, frames still in an unretired block are lost on SIGINT. It
  // falls back to fixed slots of snaplen bytes, so snaplen is cut to a jumbo frame and the buffer raised
  // (32 MiB) or a burst of a few hundred frames overflows the default 2 MiB ring.
  const tcpdump = [
    "tcpdump",
    "-i",
    ifname,
    "-n",
    "-U",
    "--immediate-mode",
    "-s",
    "9300",
    "-B",
    "32768",
    "-w",
    file,
  ];
  const args = ["netns", "exec", netns, ...tcpdump, ...filter.split(" ")];
  const proc = spawn("ip", args.filter(Boolean), { stdio: ["ignore", "ignore", "pipe"] });
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  await waitForOutput(proc, /listening on/, "tcpdump");
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

function waitForOutput(proc: ChildProcess, re: RegExp, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let err = "";
    const timer = setTimeout(() => reject(new Error(`${what} did not start: ${err}`)), START_TIMEOUT_MS);
    proc.stderr?.setEncoding("utf8");
    proc.stderr?.on("data", (s: string) => {
      err += s;
      if (re.test(err)) {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code}: ${err}`));
    });
  });
}

/** Frames of a classic pcap file (either byte order). */
export function parsePcap(buf: Uint8Array): Uint8Array[] {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.byteLength < 24) return [];
  const le = dv.getUint32(0, true) === 0xa1b2c3d4 || dv.getUint32(0, true) === 0xa1b23c4d;
  const frames: Uint8Array[] = [];
  for (let off = 24; off + 16 <= buf.byteLength; ) {
    const incl = dv.getUint32(off + 8, le);
    frames.push(buf.slice(off + 16, off + 16 + incl));
    off += 16 + incl;
  }
  return frames;
}

/** Promise-based delay. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// The guest: opens the tap with TUNSETIFF (IFF_TAP | IFF_NO_PI) and writes frames. Stream mode reads
// {u32le len, frame} from stdin; len 0 is a sync point answered with "s\n" once every earlier frame is written.
// gen mode writes COUNT UDP frames of SIZE bytes (u32be sequence number first in the payload) at PPS.
const GUEST_C = String.raw`
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static int readall(void *p, size_t n) {
  for (size_t got = 0; got < n;) {
    ssize_t r = read(0, (char *)p + got, n - got);
    if (r <= 0) return -1;
    got += (size_t)r;
  }
  return 0;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void udp_frame(unsigned char *f, unsigned size) {
  static const unsigned char hdr[42] = {
    2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00,           /* ethernet: dst, src, IPv4 */
    0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 17, 0, 0,               /* IPv4: len, DF, ttl 64, UDP */
    10, 0, 0, 1, 10, 0, 0, 2,                                 /* 10.0.0.1 -> 10.0.0.2 */
    0x23, 0x28, 0x23, 0x29, 0, 0, 0, 0 };                     /* UDP 9000 -> 9001 */
  memset(f, 0, size);
  memcpy(f, hdr, sizeof hdr);
  f[16] = (size - 14) >> 8; f[17] = (size - 14) & 0xff;
  f[38] = (size - 34) >> 8; f[39] = (size - 34) & 0xff;
  uint32_t sum = 0;
  for (int i = 14; i < 34; i += 2) sum += (f[i] << 8) | f[i + 1];
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  sum = ~sum & 0xffff;
  f[24] = sum >> 8; f[25] = sum & 0xff;
}

static int gen(int fd, long count, unsigned size, double pps) {
  unsigned char f[9216];
  if (size < 46 || size > sizeof f) return 4;
  udp_frame(f, size);
  double t0 = now();
  for (long i = 0; i < count; i++) {
    f[42] = i >> 24; f[43] = i >> 16; f[44] = i >> 8; f[45] = i;
    if (pps > 0 && (i & 31) == 0) {
      double due = t0 + i / pps, ahead;
      /* Sleep rather than spin, so the sender's CPU time is what sending costs (the tc program included). */
      while ((ahead = due - now()) > 0) {
        struct timespec ts = { 0, ahead > 2e-4 ? (long)((ahead - 1e-4) * 1e9) : 0 };
        if (ts.tv_nsec > 0) nanosleep(&ts, NULL);
      }
    }
    if (write(fd, f, size) != (ssize_t)size) { perror("write"); return 3; }
  }
  double dt = now() - t0;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("sent %ld secs %.6f cpu %.6f\n", count, dt,
         ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) return 1;
  int fd = open("/dev/net/tun", O_RDWR);
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  strncpy(ifr.ifr_name, argv[1], IFNAMSIZ - 1);
  if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr) < 0) { perror("TUNSETIFF"); return 2; }
  if (argc == 6 && strcmp(argv[2], "gen") == 0) return gen(fd, atol(argv[3]), atoi(argv[4]), atof(argv[5]));
  setvbuf(stdout, NULL, _IONBF, 0);
  printf("ready\n");
  unsigned char f[65536];
  for (;;) {
    uint32_t len;
    if (readall(&len, 4) < 0) return 0;
    if (len == 0) { printf("s\n"); continue; }
    if (len > sizeof f || readall(f, len) < 0) return 1;
    if (write(fd, f, len) != (ssize_t)len) { perror("write"); return 3; }
  }
}
`;

/** Compiles the guest helper once per source version (cached in the temp dir) and returns its path. */
export function guestBinary(): string {
  const hash = createHash("sha256").update(GUEST_C).digest("hex").slice(0, 12);
  const dir = join(tmpdir(), "colod-tapguest");
  const bin = join(dir, `tapguest-${hash}`);
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  const src = join(dir, `tapguest-${hash}-${process.pid}.c`);
  writeFileSync(src, GUEST_C);
  const tmpBin = `${bin}.${process.pid}`;
  sh("cc", ["-O2", "-o", tmpBin, src]);
  sh("mv", ["-f", tmpBin, bin]);
  rmSync(src, { force: true });
  return bin;
}

/** A guest attached to a tap: what it writes is what the host sees on the tap's ingress. */
export interface Guest {
  /** Writes the frames into the tap and resolves once every one of them has been written. */
  send(frames: readonly Uint8Array[]): Promise<void>;
  /** Detaches from the tap. */
  close(): Promise<void>;
}

/** Opens a tap as its guest (a long-lived helper process keeps the tap's carrier up between sends). */
export async function openGuest(tap: string): Promise<Guest> {
  const proc = spawn(guestBinary(), [tap], { stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  let err = "";
  let waiter: (() => void) | undefined;
  proc.stderr?.setEncoding("utf8");
  proc.stderr?.on("data", (s: string) => {
    err += s;
  });
  proc.stdout?.setEncoding("utf8");
  proc.stdout?.on("data", (s: string) => {
    out += s;
    waiter?.();
  });
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  const until = (token: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        const i = out.indexOf(token);
        if (i >= 0) {
          out = out.slice(i + token.length);
          waiter = undefined;
          resolve();
        } else if (proc.exitCode !== null) reject(new Error(`guest on ${tap} exited: ${err}`));
      };
      waiter = check;
      proc.once("exit", check);
      check();
    });
  await until("ready\n");
  await waitForwarding(tap);
  return {
    async send(frames) {
      for (const f of frames) {
        const len = new Uint8Array(4);
        new DataView(len.buffer).setUint32(0, f.byteLength, true);
        proc.stdin?.write(len);
        proc.stdin?.write(f);
      }
      proc.stdin?.write(new Uint8Array(4));
      await until("s\n");
    },
    async close() {
      proc.stdin?.end();
      await Promise.race([exited, sleep(2000)]);
      if (proc.exitCode === null) proc.kill("SIGKILL");
    },
  };
}

// A bridge port only forwards a moment after the tap's carrier comes up (when the guest attaches);
// frames written before that are dropped by the bridge.
async function waitForwarding(tap: string): Promise<void> {
  const path = `/sys/class/net/${tap}/brport/state`;
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (existsSync(path) && readFileSync(path, "utf8").trim() !== BR_STATE_FORWARDING) {
    if (Date.now() > deadline)
      throw new Error(`bridge port ${tap} is not forwarding after ${START_TIMEOUT_MS} ms`);
    await sleep(10);
  }
}

const BR_STATE_FORWARDING = "3";

/** Result of `generate`: frames written, wall seconds and the sender's own CPU seconds. */
export interface GenResult {
  sent: number;
  secs: number;
  cpu: number;
}

/** Writes `count` UDP frames of `size` bytes into the tap at `pps` frames/s (0: as fast as possible). */
export function generate(tap: string, count: number, size: number, pps: number): Promise<GenResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(guestBinary(), [tap, "gen", String(count), String(size), String(pps)]);
    let out = "";
    let err = "";
    proc.stdout.setEncoding("utf8").on("data", (s: string) => {
      out += s;
    });
    proc.stderr.setEncoding("utf8").on("data", (s: string) => {
      err += s;
    });
    proc.once("exit", (code) => {
      const m = /sent (\d+) secs ([\d.]+) cpu ([\d.]+)/.exec(out);
      if (code !== 0 || !m) reject(new Error(`guest generator on ${tap} failed (${code}): ${err}`));
      else resolve({ sent: Number(m[1]), secs: Number(m[2]), cpu: Number(m[3]) });
    });
  });
}
