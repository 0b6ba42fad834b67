import type { PacketInfo } from "@colod/packet";
import { ConnState } from "./conn-state.js";
import type { ConnInfo } from "./types.js";

/** The slice of a connection table the engine uses (the contract of @colod/conntrack's ConnTable). */
export interface EngineTable {
  /** The connection of this 5-tuple, created if new; undefined when the table is full of busy connections. */
  lookupOrCreate(info: PacketInfo): { readonly state: ConnState } | undefined;
  /** Every connection in creation order. */
  forEach(fn: (conn: { readonly state: ConnState }) => void): void;
  /** Number of connections held. */
  readonly size: number;
}

interface Entry extends ConnInfo {
  state: ConnState;
}

/**
 * Interim table until @colod/conntrack lands: exact 5-tuple, creation order, LRU eviction of idle entries.
 * Not on the final hot path (string keys); replaced by ConnTable.
 */
export class InterimTable implements EngineTable {
  private readonly map = new Map<string, Entry>();
  private nextId = 1;

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.map.size;
  }

  lookupOrCreate(info: PacketInfo): Entry | undefined {
    const key = `${info.ipProto}/${info.srcAddr}/${info.dstAddr}/${info.srcPort}/${info.dstPort}`;
    const hit = this.map.get(key);
    if (hit) {
      this.map.delete(key);
      this.map.set(key, hit);
      return hit;
    }
    if (this.map.size >= this.capacity && !this.evictIdle()) return undefined;
    const e = {
      id: this.nextId++,
      proto: info.ipProto,
      srcAddr: info.srcAddr,
      dstAddr: info.dstAddr,
      srcPort: info.srcPort,
      dstPort: info.dstPort,
    } as Entry;
    e.state = new ConnState(e);
    this.map.set(key, e);
    return e;
  }

  private evictIdle(): boolean {
    for (const [k, e] of this.map) {
      if (e.state.idle()) {
        this.map.delete(k);
        return true;
      }
    }
    return false;
  }

  forEach(fn: (conn: Entry) => void): void {
    const all = [...this.map.values()].sort((a, b) => a.id - b.id);
    for (const e of all) fn(e);
  }
}
