// Transport failure kinds; all extend the package's WireError so callers can switch on `code`.
import { WireError } from "../errors.js";

/** write() would buffer more than `maxBuffered` bytes: the caller must pause its inputs until "drain". */
export class BackpressureError extends WireError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = "ERR_WIRE_BACKPRESSURE";
  }
}
