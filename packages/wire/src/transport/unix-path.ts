// What is at a unix socket path before binding to it: shared by the data channels and the daemon's control socket.
import { lstatSync, unlinkSync } from "node:fs";
import { createConnection } from "node:net";

/** The state of a would-be unix socket path. */
export type UnixPathState = "absent" | "stale" | "live" | "not-a-socket";

/**
 * Looks at `path`: nothing there, a socket nobody listens on (left by a crash: safe to remove), a live socket
 * (someone listens: never take it over), or another kind of file (never delete it). Throws only if lstat fails
 * for another reason than the path not existing.
 */
export async function inspectUnixPath(path: string): Promise<UnixPathState> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return "absent";
    throw e;
  }
  if (!isSocket) return "not-a-socket";
  return (await isLive(path)) ? "live" : "stale";
}

/** Whether something accepts connections on the unix socket at `path`. */
function isLive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createConnection(path);
    probe.once("connect", () => {
      probe.destroy();
      resolve(true);
    });
    probe.once("error", () => {
      probe.destroy();
      resolve(false);
    });
  });
}

/** Unlinks a socket file, ignoring one that is already gone (Node unlinks on close; other runtimes may not). */
export function removeSocketFile(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
