// The control socket: a QMP server and colod's commands on it.
export { type ArgSpec, type ArgsSchema, type ArgType, checkArgs } from "./args.js";
export {
  CHECKPOINT_REQUEST_EVENT,
  type CheckpointRequestInfo,
  type ColodControlApi,
  type ColodStatus,
  type ConnectionInfo,
  emitCheckpointRequest,
  registerColodCommands,
} from "./colod-commands.js";
export {
  CommandRegistrationError,
  ControlError,
  ControlSocketError,
  QmpCommandError,
  type QmpErrorClass,
} from "./errors.js";
export { JsonStream, MAX_JSON_TEXT } from "./json-stream.js";
export {
  type FlowEndpointSpec,
  type FlowSpec,
  formatFlowSpec,
  formatIpv4,
  matchesPassthrough,
  type PassthroughEntry,
  type PassthroughRule,
  parseFlowSpec,
} from "./passthrough.js";
export { type QmpHandler, QmpServer, type QmpServerOptions } from "./qmp-server.js";
