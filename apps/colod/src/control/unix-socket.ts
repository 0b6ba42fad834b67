// Creating the control socket file safely: never take over a live socket or delete a regular file, and
// never let the socket be reachable with the umask's mode.
import { Buffer } from "node:buffer";
import { chmodSync, renameSync, unlinkSync } from "node:fs";
import type { Server } from "node:net";
import { basename, dirname, join } from "node:path";
import { inspectUnixPath, type UnixPathState } from "@colod/wire";
import { ControlSocketError } from "./errors.js";

/** Longest unix socket path Linux takes (sun_path is 108 bytes with the NUL). */
const MAX_SUN_PATH = 107;

/** Makes `server` listen at `path` with `mode`: binds under a temporary name, chmods, then renames into place. */
export async function listenUnix(server: Server, path: string, mode: number): Promise<void> {
  await removeStaleSocket(path);
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}`);
  // A path too long for a temporary sibling is bound directly and chmodded at once (a short window).
  const bindPath = Buffer.byteLength(tmp) <= MAX_SUN_PATH ? tmp : path;
  if (bindPath !== path) unlinkQuietly(bindPath); // left by an earlier process with the same pid
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) =>
      reject(new ControlSocketError(path, `cannot listen (${err.message})`, err));
    server.once("error", onError);
    server.listen(bindPath, () => {
      server.off("error", onError);
      resolve();
    });
  });
  try {
    chmodSync(bindPath, mode);
    if (bindPath !== path) renameSync(bindPath, path);
  } catch (err) {
    server.close();
    unlinkQuietly(bindPath);
    throw new ControlSocketError(
      path,
      `cannot set the mode or move the socket into place (${text(err)})`,
      err,
    );
  }
}

/** Removes a socket file nobody listens on; refuses a live socket or a file that is not a socket. */
export async function removeStaleSocket(path: string): Promise<void> {
  let state: UnixPathState;
  try {
    state = await inspectUnixPath(path);
  } catch (err) {
    throw new ControlSocketError(path, `cannot inspect it (${text(err)})`, err);
  }
  if (state === "not-a-socket")
    throw new ControlSocketError(path, "exists and is not a socket; remove it or choose another path");
  if (state === "live") {
    throw new ControlSocketError(path, "another process is listening on it (is another colod running?)");
  }
  if (state !== "stale") return;
  try {
    unlinkSync(path);
  } catch (err) {
    throw new ControlSocketError(path, `cannot remove the stale socket (${text(err)})`, err);
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // not there
  }
}

function text(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
