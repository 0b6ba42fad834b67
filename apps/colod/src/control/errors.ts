/** Base class of every error raised by colod's control socket; `code` is stable, messages are for people. */
export class ControlError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The control socket could not be created (path in use by a live server, not a socket, no permission). */
export class ControlSocketError extends ControlError {
  readonly path: string;
  constructor(path: string, message: string, cause?: unknown) {
    super("ERR_CONTROL_SOCKET", `control socket ${path}: ${message}`, { cause });
    this.path = path;
  }
}

/** A command name registered twice, or a reserved one (qmp_capabilities, query-commands, query-version). */
export class CommandRegistrationError extends ControlError {
  constructor(name: string, message: string) {
    super("ERR_CONTROL_REGISTER", `QMP command ${name}: ${message}`);
  }
}

/** QMP error classes colod replies with (QEMU's names). */
export type QmpErrorClass = "GenericError" | "CommandNotFound";

/** Thrown by a command handler to reply with a QMP error; any other thrown error becomes a GenericError. */
export class QmpCommandError extends ControlError {
  readonly qmpClass: QmpErrorClass;
  constructor(desc: string, qmpClass: QmpErrorClass = "GenericError") {
    super("ERR_CONTROL_COMMAND", desc);
    this.qmpClass = qmpClass;
  }
}
