// tap:IFNAME endpoints (SPEC 7): an input captures what the guest transmits with eBPF, an outdev releases frames
// into the tap's host-side path. @colod/capture (and libbpf through FFI) is loaded only when a tap is configured.
import { EventEmitter } from "node:events";
import type { ChannelStats } from "@colod/wire";
import { StartupError } from "./errors.js";

/** The part of a channel a compare instance uses; socket channels and tap ports both provide it. */
export interface Port {
  readonly connected: boolean;
  readonly stats: ChannelStats;
  readonly listening?: Promise<void>;
  write(payload: Uint8Array, vnetHdrLen: number): boolean;
  on(ev: "drain", cb: () => void): unknown;
  pause(): void;
  resume(): void;
  flush(): Promise<void>;
  close(): Promise<void>;
}

function emptyStats(): ChannelStats {
  return {
    framesIn: 0,
    bytesIn: 0,
    framesOut: 0,
    bytesOut: 0,
    zeroLength: 0,
    oversize: 0,
    connects: 1,
    disconnects: 0,
    refused: 0,
    unconfirmed: 0,
    discarded: 0,
    buffered: 0,
  };
}

async function loadCapture(spec: string): Promise<typeof import("@colod/capture")> {
  try {
    return await import("@colod/capture");
  } catch (e) {
    throw new StartupError(`${spec}: cannot load eBPF capture support: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

/** Frames a paused tap input holds before it drops (counted in `discarded`, reported once per pause). */
const MAX_PAUSED_FRAMES = 65536;

/**
 * Captures a guest's transmitted frames from its tap. Frames arrive without a vnet header (vnetHdrLen 0).
 * The kernel cannot be paused: while the daemon pauses its inputs, captured frames wait here (bounded), and
 * beyond that they are dropped, counted and reported; the ring itself drops (and counts) only when full.
 */
export async function openTapInput(
  ifname: string,
  role: "primary" | "secondary",
  onFrame: (frame: Uint8Array, vnetHdrLen: number) => void,
  onError: (e: unknown) => void,
): Promise<Port> {
  const spec = `tap:${ifname}`;
  const cap = await loadCapture(spec);
  const stats = emptyStats();
  let paused = false;
  const held: Uint8Array[] = [];
  let capture: import("@colod/capture").TapCapture;
  try {
    capture = await cap.openTapCapture({
      ifname,
      role,
      onFrame: (frame) => {
        stats.framesIn++;
        stats.bytesIn += frame.length;
        if (!paused) onFrame(frame, 0);
        else if (held.length < MAX_PAUSED_FRAMES) held.push(frame);
        else if (stats.discarded++ === 0 || stats.discarded % MAX_PAUSED_FRAMES === 0) {
          onError(
            new StartupError(`${spec}: outdev is not keeping up; ${stats.discarded} captured frames dropped`),
          );
        }
      },
      onError,
    });
  } catch (e) {
    throw new StartupError(`--${role}-in ${spec}: ${(e as Error).message}`, { cause: e });
  }
  const port = new EventEmitter() as EventEmitter & Port;
  Object.assign(port, {
    connected: true,
    stats,
    write: () => {
      throw new StartupError(`${spec} is an input`);
    },
    pause: () => {
      paused = true;
    },
    resume: () => {
      paused = false;
      // What arrived in the pump's current batch while pausing is delivered first, in order.
      for (const f of held.splice(0)) onFrame(f, 0);
    },
    flush: async () => {},
    close: async () => {
      capture.close();
    },
  });
  return port;
}

/** Releases frames into a tap's host-side path as if the guest had sent them (vnet header stripped). */
export async function openTapOutdev(ifname: string, onError: (e: unknown) => void): Promise<Port> {
  const spec = `tap:${ifname}`;
  const cap = await loadCapture(spec);
  let rel: import("@colod/capture").TapRelease;
  try {
    rel = await cap.openTapRelease({ ifname });
  } catch (e) {
    throw new StartupError(`--outdev ${spec}: ${(e as Error).message}`, { cause: e });
  }
  const stats = emptyStats();
  const port = new EventEmitter() as EventEmitter & Port;
  Object.assign(port, {
    connected: true,
    stats,
    write: (payload: Uint8Array, vnetHdrLen: number) => {
      const frame = vnetHdrLen > 0 ? payload.subarray(vnetHdrLen) : payload;
      try {
        if (rel.write(frame)) {
          stats.framesOut++;
          stats.bytesOut += frame.length;
        } else stats.discarded++;
      } catch (e) {
        // Too large for the tap's MTU: counted by the release handle and reported, never truncated.
        stats.discarded++;
        onError(e);
      }
      return true;
    },
    pause: () => {},
    resume: () => {},
    flush: async () => {},
    close: async () => {
      rel.close();
    },
  });
  return port;
}
