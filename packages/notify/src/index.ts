// Checkpoint-request notifier (SPEC 6): coalescing, and the sinks a request goes to.
export { ExecHookError, NotifyError, SinkError, UnsupportedInstructionError } from "./errors.js";
export { eventSink } from "./event-sink.js";
export { type ExecSinkOptions, type ExecSinkStats, execSink, requestEnv } from "./exec.js";
export { Notifier, type NotifierOptions, type NotifierStats } from "./notifier.js";
export {
  type NotifyDevEvent,
  type NotifyDevOptions,
  type NotifyDevStats,
  notifyDevSink,
} from "./notify-dev.js";
export {
  CHECKPOINT_REASONS,
  type CheckpointReason,
  type CheckpointRequest,
  type ConnInfo,
  type NotifySink,
} from "./types.js";
