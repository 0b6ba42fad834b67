/** Base class of every error @colod/conntrack throws; match on the stable `code`. */
export class ConntrackError extends Error {
  /** Stable machine-readable error code. */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = this.constructor.name;
    this.code = code;
  }
}

/** A ConnTable option is missing or out of range. */
export class ConnTableOptionError extends ConntrackError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("ERR_CONNTRACK_OPTION", message, options);
  }
}
