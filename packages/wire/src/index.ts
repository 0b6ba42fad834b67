export { LEN_WORD, MAX_FRAME_LEN } from "./constants.js";
export { FrameDecoder, type FrameDecoderOptions } from "./decoder.js";
export {
  type Endpoint,
  formatEndpoint,
  parseEndpoint,
  type TapEndpoint,
  type TcpEndpoint,
  type UnixEndpoint,
} from "./endpoint.js";
export { EncodeError, EndpointError, OversizeFrameError, WireError, ZeroLengthFrameError } from "./errors.js";
export {
  type DecodedFrame,
  decode,
  encode,
  encodeInto,
  encodingLength,
  type FrameOptions,
  readU32,
} from "./frame.js";
export { encodeNotify, NotifyMessage, notifyPayload, parseNotify } from "./notify.js";
export {
  BackpressureError,
  type Channel,
  ChannelClosedError,
  type ChannelEvent,
  type ChannelOptions,
  type ChannelStats,
  ConnectError,
  DEFAULT_HIGH_WATER_MARK,
  DEFAULT_MAX_BUFFERED,
  inspectUnixPath,
  ListenError,
  openChannel,
  removeSocketFile,
  SocketError,
  type UnixPathState,
} from "./transport/index.js";
