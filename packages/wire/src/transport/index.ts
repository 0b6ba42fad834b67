// Socket transport for unix: and tcp: endpoints (SPEC sections 2 and 3).
import { EndpointError } from "../errors.js";
import { ClientChannel } from "./client.js";
import { ServerChannel } from "./server.js";
import type { Channel, ChannelOptions } from "./types.js";

export { DEFAULT_HIGH_WATER_MARK, DEFAULT_MAX_BUFFERED } from "./channel.js";
export { BackpressureError, ChannelClosedError, ConnectError, ListenError, SocketError } from "./errors.js";
export type { Channel, ChannelEvent, ChannelOptions, ChannelStats } from "./types.js";
export { inspectUnixPath, removeSocketFile, type UnixPathState } from "./unix-path.js";

/**
 * Opens a framed channel on a socket endpoint: servers listen at once, clients connect (and reconnect).
 * @example
 * const out = openChannel({ endpoint: parseEndpoint("unix:/run/colo/out.sock,server=on"), name: "outdev", vnetHdr: false });
 * if (!out.write(frame, 0)) inputs.pause(), out.once("drain", () => inputs.resume());
 */
export function openChannel(opts: ChannelOptions): Channel {
  const ep = opts.endpoint;
  if (ep.kind === "tap") {
    throw new EndpointError(
      ep.spec,
      "tap endpoints are served by @colod/capture, not by the socket transport",
    );
  }
  const o = { ...opts, endpoint: ep };
  return ep.server ? new ServerChannel(o) : new ClientChannel(o);
}
