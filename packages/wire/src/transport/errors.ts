// Failure kinds of the socket transport; all extend WireError, so callers switch on the stable `code`.
import { WireError } from "../errors.js";

/** write() would buffer more than `maxBuffered` bytes: pause the inputs until the channel emits "drain". */
export class BackpressureError extends WireError {
  constructor(channel: string, buffered: number, max: number) {
    super(
      "ERR_WIRE_BACKPRESSURE",
      `${channel}: ${buffered} bytes already buffered, the cap is ${max}; pause inputs until "drain" (is the peer reading?)`,
    );
  }
}

/** Binding a server endpoint failed (address in use, a live unix socket at the path, permissions). */
export class ListenError extends WireError {
  constructor(channel: string, message: string, cause?: unknown) {
    super("ERR_WIRE_LISTEN", `${channel}: cannot listen: ${message}`, { cause });
  }
}

/** A client endpoint could not connect (and does not reconnect, or is retrying). */
export class ConnectError extends WireError {
  constructor(channel: string, message: string, cause?: unknown) {
    super("ERR_WIRE_CONNECT", `${channel}: cannot connect: ${message}`, { cause });
  }
}

/** A connected socket failed (reset, broken pipe); the connection is dropped and handled like a disconnect. */
export class SocketError extends WireError {
  constructor(channel: string, message: string, cause?: unknown) {
    super("ERR_WIRE_SOCKET", `${channel}: socket error: ${message}`, { cause });
  }
}

/** The channel was closed: writes and pending ready() calls fail with this. */
export class ChannelClosedError extends WireError {
  constructor(channel: string) {
    super("ERR_WIRE_CHANNEL_CLOSED", `${channel}: channel is closed`);
  }
}
