// Splits a byte stream into JSON texts: a newline always ends the current text (so a truncated line gets its
// parse error at once and the next line starts clean, unlike QEMU's streamer, which keeps waiting for the
// closing brace), and a top-level object or array also ends when its brackets balance, so several objects on
// one line work too. Bare tokens at the top level (garbage, numbers) end at whitespace.
import { StringDecoder } from "node:string_decoder";

/** A piece of input that could not be a JSON value (too long). */
export interface JsonStreamOverflow {
  overflow: true;
}

/** Largest JSON text accepted; a client that sends more gets an error and the text is skipped. */
export const MAX_JSON_TEXT = 1024 * 1024;

const WS = new Set([" ", "\t", "\n", "\r"]);

/** Incremental splitter: feed chunks, get complete JSON texts (strings, still to be parsed). */
export class JsonStream {
  private readonly decoder = new StringDecoder("utf8");
  private buf = "";
  private depth = 0;
  private inString = false;
  private escape = false;
  private discarding = false;

  constructor(private readonly max = MAX_JSON_TEXT) {}

  /** Feeds a chunk; returns the texts it completed, in order. */
  push(chunk: Uint8Array | string): (string | JsonStreamOverflow)[] {
    const text = typeof chunk === "string" ? chunk : this.decoder.write(chunk as Buffer);
    const out: (string | JsonStreamOverflow)[] = [];
    for (const c of text) this.step(c, out);
    return out;
  }

  private step(c: string, out: (string | JsonStreamOverflow)[]): void {
    if (this.discarding) {
      if (c === "\n") this.discarding = false;
    } else if (c === "\n") {
      this.emit(out);
    } else if (this.inString) {
      this.stringChar(c, out);
    } else if (this.depth === 0 && WS.has(c)) {
      this.emit(out);
    } else if (c === "}" || c === "]") {
      this.depth--;
      this.buf += c;
      if (this.depth <= 0) this.emit(out);
    } else {
      this.open(c, out);
    }
  }

  private open(c: string, out: (string | JsonStreamOverflow)[]): void {
    if (c === "{" || c === "[") {
      if (this.depth === 0) this.emit(out);
      this.depth++;
    } else if (c === '"') {
      if (this.depth === 0) this.emit(out);
      this.inString = true;
    }
    this.append(c, out);
  }

  private stringChar(c: string, out: (string | JsonStreamOverflow)[]): void {
    if (this.escape) this.escape = false;
    else if (c === "\\") this.escape = true;
    else if (c === '"') this.inString = false;
    this.append(c, out);
    if (!this.inString && this.depth === 0) this.emit(out);
  }

  private append(c: string, out: (string | JsonStreamOverflow)[]): void {
    this.buf += c;
    if (this.buf.length > this.max) {
      this.reset();
      this.discarding = c !== "\n";
      out.push({ overflow: true });
    }
  }

  private emit(out: (string | JsonStreamOverflow)[]): void {
    if (this.buf.length > 0) out.push(this.buf);
    this.reset();
  }

  private reset(): void {
    this.buf = "";
    this.depth = 0;
    this.inString = false;
    this.escape = false;
  }
}
