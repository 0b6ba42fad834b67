/** Base class of every error this package throws; `code` is stable, match on it rather than on the message. */
export class CompareError extends Error {
  /** Stable machine-readable code, e.g. "COMPARE_BAD_OPTION". */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = this.constructor.name;
  }
}

/** An option passed to `new Comparator()` or a passthrough rule is out of range. */
export class CompareOptionError extends CompareError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("COMPARE_BAD_OPTION", message, options);
  }
}

/** A sink callback called back into `pushPrimary`/`pushSecondary` while the engine was still working. */
export class CompareReentrancyError extends CompareError {
  constructor(message: string) {
    super("COMPARE_REENTRANT", message);
  }
}
