/** Base class of colod's own errors; `code` is stable, the message is one line for the operator. */
export class ColodError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A command-line option or config-file entry given wrong; the message names the option. Exit code 2. */
export class UsageError extends ColodError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("ERR_COLOD_USAGE", message, options);
  }
}

/** The daemon could not start (an endpoint would not open, a port is taken, ...). Exit code 1. */
export class StartupError extends ColodError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("ERR_COLOD_STARTUP", message, options);
  }
}
