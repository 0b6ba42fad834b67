// A classic pcap file (linktype Ethernet) of diverging primary/secondary pairs, for Wireshark/tshark:
// records 1, 3, 5, ... are primary frames and 2, 4, 6, ... the secondary frame each was compared with.
// The file and record headers come from @colod/packet's pcap writer.
import { closeSync, createWriteStream, openSync, type WriteStream } from "node:fs";
import {
  PCAP_DEFAULT_SNAPLEN,
  PCAP_RECORD_HEADER_LEN,
  pcapFileHeader,
  pcapRecordHeader,
} from "@colod/packet";
import { PcapWriteError } from "./errors.js";

/** Pairs kept by default: a divergence storm must not fill the disk. */
export const DEFAULT_MAX_PAIRS = 10000;
/** Bytes waiting for the disk beyond which new pairs are skipped (counted) instead of buffered. */
const MAX_PENDING_BYTES = 8 * 1024 * 1024;

/** Options of {@link DivergencePcap}. */
export interface DivergencePcapOptions {
  /** File to create (truncated if it exists). */
  path: string;
  /** Stop writing after this many pairs (later ones are counted in `skipped`). Default 10000. */
  maxPairs?: number;
  /** File mode; the file holds guest traffic, so owner-only by default. Default 0o600. */
  mode?: number;
  /** Called once if a write fails after opening; the writer then stops. */
  onError?: (err: PcapWriteError) => void;
}

/** One diverging pair: the frames as read from the sockets, vnet header included when there is one. */
export interface DivergencePair {
  primary: Uint8Array;
  secondary: Uint8Array;
  /** Bytes of virtio-net header in front of the primary's Ethernet frame (the wire's vnet_hdr_len). */
  primaryVnetHdrLen?: number;
  /** Same for the secondary frame. */
  secondaryVnetHdrLen?: number;
  /** Capture time in ms since the epoch; default now. */
  timeMs?: number;
}

/** Writes one record (header + frame, cut at the snap length) into `out` at `offset`; returns the end offset. */
function putRecord(out: Uint8Array<ArrayBuffer>, offset: number, frame: Uint8Array, timeMs: number): number {
  pcapRecordHeader(frame.length, timeMs, PCAP_DEFAULT_SNAPLEN, out, offset);
  const kept = frame.subarray(0, PCAP_DEFAULT_SNAPLEN);
  out.set(kept, offset + PCAP_RECORD_HEADER_LEN);
  return offset + PCAP_RECORD_HEADER_LEN + kept.length;
}

function strip(frame: Uint8Array, vnetHdrLen = 0): Uint8Array {
  return vnetHdrLen > 0 && vnetHdrLen <= frame.length ? frame.subarray(vnetHdrLen) : frame;
}

// One copy per pair: the frames are views into buffers the pipeline reuses after writePair returns.
function pairRecords(pair: DivergencePair): Uint8Array {
  const p = strip(pair.primary, pair.primaryVnetHdrLen);
  const s = strip(pair.secondary, pair.secondaryVnetHdrLen);
  const t = pair.timeMs ?? Date.now();
  const size = (f: Uint8Array) => PCAP_RECORD_HEADER_LEN + Math.min(f.length, PCAP_DEFAULT_SNAPLEN);
  const out = new Uint8Array(size(p) + size(s));
  putRecord(out, putRecord(out, 0, p, t), s, t);
  return out;
}

/** A pcap file of diverging pairs, written in the background; pairs beyond the limits are counted. */
export class DivergencePcap {
  /** The file being written. */
  readonly path: string;
  private readonly stream: WriteStream;
  private readonly maxPairs: number;
  private readonly onError: ((err: PcapWriteError) => void) | undefined;
  private pairsWritten = 0;
  private pairsSkipped = 0;
  private failed: PcapWriteError | undefined;
  private closed = false;

  /** Creates (truncates) the file and writes the pcap header; throws PcapWriteError if it cannot be created,
   * so a bad --pcap path fails at start-up rather than at the first divergence. */
  constructor(options: DivergencePcapOptions) {
    this.path = options.path;
    this.maxPairs = options.maxPairs ?? DEFAULT_MAX_PAIRS;
    this.onError = options.onError;
    let fd: number;
    try {
      fd = openSync(options.path, "w", options.mode ?? 0o600);
    } catch (err) {
      throw new PcapWriteError(options.path, err);
    }
    try {
      this.stream = createWriteStream("", { fd, autoClose: true });
    } catch (err) {
      closeSync(fd);
      throw new PcapWriteError(options.path, err);
    }
    this.stream.on("error", (err) => this.fail(err));
    this.stream.write(pcapFileHeader());
  }

  /** Pairs written so far. */
  get pairs(): number {
    return this.pairsWritten;
  }

  /** Pairs not written (limit reached, disk too slow, closed or failed). */
  get skipped(): number {
    return this.pairsSkipped;
  }

  /** The write error that stopped this writer, if any. */
  get error(): PcapWriteError | undefined {
    return this.failed;
  }

  /** Appends the pair (primary record, then secondary) with vnet headers stripped; false if skipped. */
  writePair(pair: DivergencePair): boolean {
    if (this.closed || this.failed || this.pairsWritten >= this.maxPairs) return this.skip();
    if (this.stream.writableLength > MAX_PENDING_BYTES) return this.skip();
    let out: Uint8Array;
    try {
      out = pairRecords(pair);
    } catch {
      return this.skip(); // a time the format cannot hold (negative, NaN): count it, never throw into the pipeline
    }
    this.stream.write(out);
    this.pairsWritten++;
    return true;
  }

  /** Flushes and closes the file. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise((resolve) => {
      this.stream.end(() => resolve());
      this.stream.once("error", () => resolve());
    });
  }

  private skip(): false {
    this.pairsSkipped++;
    return false;
  }

  private fail(err: unknown): void {
    if (this.failed) return;
    this.failed = new PcapWriteError(this.path, err);
    this.onError?.(this.failed);
  }
}
