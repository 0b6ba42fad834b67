// Failure kinds of the notifier; sinks report these, the Notifier never throws them at its caller.

/** Base class of every error @colod/notify reports; `code` is stable, messages are for people. */
export class NotifyError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A sink's send() threw or rejected; the request still went to every other sink. */
export class SinkError extends NotifyError {
  readonly sink: string;
  constructor(sink: string, cause: unknown) {
    super(
      "ERR_NOTIFY_SINK",
      `checkpoint request sink "${sink}" failed: ${(cause as Error)?.message ?? cause}`,
      { cause },
    );
    this.sink = sink;
  }
}

/** notify_dev received a message other than COLO_CHECKPOINT or COLO_USERSPACE_PROXY_INIT. */
export class UnsupportedInstructionError extends NotifyError {
  constructor(where: string, preview: string) {
    super(
      "ERR_NOTIFY_UNSUPPORTED_INSTRUCTION",
      `${where}: unsupported instruction "${preview}" (expected COLO_CHECKPOINT or COLO_USERSPACE_PROXY_INIT; is vnet_hdr_support set the same at both ends?)`,
    );
  }
}

/** The exec hook could not start, exited non-zero, or ran past its timeout. */
export class ExecHookError extends NotifyError {
  constructor(command: string, message: string, cause?: unknown) {
    super("ERR_NOTIFY_EXEC", `checkpoint hook "${command}": ${message}`, { cause });
  }
}
