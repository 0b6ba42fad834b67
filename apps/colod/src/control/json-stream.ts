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

const NL = 0x0a;
const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0d;

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
    // Characters from `from` to the current one belong to the text being built; they are sliced out in one
    // piece when it ends, rather than appended one by one.
    let from = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (this.discarding) {
        if (c === NL) {
          this.discarding = false;
          from = i + 1;
        }
        continue;
      }
      const cut = this.step(c);
      if (cut === CUT_BEFORE) {
        this.flush(out, text, from, i);
        from = i;
        this.afterCut(c);
      } else if (cut === CUT_AFTER) {
        this.flush(out, text, from, i + 1);
        from = i + 1;
      } else if (cut === CUT_DROP) {
        this.flush(out, text, from, i);
        from = i + 1;
      } else if (this.buf.length + i + 1 - from > this.max) {
        this.reset();
        this.discarding = true;
        out.push({ overflow: true });
      }
    }
    if (!this.discarding) this.buf += text.slice(from);
    return out;
  }

  /** What character `c` does to the text being built. */
  private step(c: number): Cut {
    if (c === NL) return CUT_DROP;
    if (this.inString) {
      if (this.escape) this.escape = false;
      else if (c === 0x5c)
        this.escape = true; // backslash
      else if (c === 0x22) this.inString = false; // closing quote
      return !this.inString && this.depth === 0 ? CUT_AFTER : KEEP;
    }
    if (c === 0x7d || c === 0x5d) {
      // } or ]
      this.depth--;
      return this.depth <= 0 ? CUT_AFTER : KEEP;
    }
    if (this.depth > 0) {
      if (c === 0x7b || c === 0x5b)
        this.depth++; // { or [
      else if (c === 0x22) this.inString = true;
      return KEEP;
    }
    if (isSpace(c)) return CUT_DROP;
    // At the top level an opening bracket or quote ends a bare token before it and starts a new text.
    return c === 0x7b || c === 0x5b || c === 0x22 ? CUT_BEFORE : KEEP;
  }

  private afterCut(c: number): void {
    if (c === 0x22) this.inString = true;
    else this.depth = 1;
  }

  private flush(out: (string | JsonStreamOverflow)[], text: string, from: number, to: number): void {
    const t = this.buf + text.slice(from, to);
    if (t.length > 0) out.push(t);
    this.reset();
  }

  private reset(): void {
    this.buf = "";
    this.depth = 0;
    this.inString = false;
    this.escape = false;
  }
}

type Cut = 0 | 1 | 2 | 3;
/** Character belongs to the current text. */
const KEEP: Cut = 0;
/** The current text ends before this character, which starts the next one. */
const CUT_BEFORE: Cut = 1;
/** The current text ends with this character. */
const CUT_AFTER: Cut = 2;
/** The current text ends; this character (whitespace, newline) belongs to none. */
const CUT_DROP: Cut = 3;
