// A map of a BpfObject: sizing before load, element access by fd after load.

import { BPF_ANY } from "./constants.js";
import { possibleCpus } from "./cpus.js";
import { check, InvalidArgumentError, StateError } from "./errors.js";
import type { Ptr } from "./ffi/index.js";
import { libbpf } from "./native.js";

/** Map types whose lookups return one value slot per possible CPU. */
const PERCPU_TYPES = new Set([5, 6, 10, 21]);
const ENOENT = 2;

/** Interface a map's owner gives it: the object must be open and, for element access, loaded. */
interface Owner {
  readonly ptr: Ptr;
  readonly loaded: boolean;
}

/** A `struct bpf_map` of an object. Keys and values are raw bytes in the program's layout. */
export class BpfMap {
  #fd = -1; // cached after load: element ops are hot paths
  #type: number | undefined;
  #keySize: number | undefined;
  #valueSize: number | undefined;
  #valueBuf: number | undefined;
  /** @internal */
  constructor(
    private readonly owner: Owner,
    private readonly raw: Ptr,
  ) {}

  /** The raw `struct bpf_map *` (checks the object is still open). */
  get ptr(): Ptr {
    void this.owner.ptr;
    return this.raw;
  }

  /** Map name as libbpf knows it. */
  get name(): string {
    return libbpf().bpf_map__name(this.ptr) ?? "";
  }

  /** Kernel map fd (only after load). */
  get fd(): number {
    void this.owner.ptr; // throws once the object is closed
    if (this.#fd < 0) {
      if (!this.owner.loaded) throw new StateError(`map ${this.name} has no fd before load()`);
      this.#fd = check(`bpf_map__fd(${this.name})`, libbpf().bpf_map__fd(this.ptr));
    }
    return this.#fd;
  }

  /** `enum bpf_map_type` value. */
  get type(): number {
    const cached = this.#type ?? libbpf().bpf_map__type(this.ptr);
    this.#type = cached;
    return cached;
  }

  /** Key size in bytes (fixed by the object's BTF, so cached). */
  get keySize(): number {
    const cached = this.#keySize ?? libbpf().bpf_map__key_size(this.ptr);
    this.#keySize = cached;
    return cached;
  }

  /** Value size in bytes (per CPU for per-CPU maps). */
  get valueSize(): number {
    const cached = this.#valueSize ?? libbpf().bpf_map__value_size(this.ptr);
    this.#valueSize = cached;
    return cached;
  }

  /** max_entries (the data size in bytes for a ring buffer). */
  get maxEntries(): number {
    return libbpf().bpf_map__max_entries(this.ptr);
  }

  /** Bytes a lookup returns: valueSize, or 8-byte-rounded valueSize times possible CPUs for per-CPU maps. */
  get valueBufferSize(): number {
    if (this.#valueBuf === undefined) {
      const v = this.valueSize;
      this.#valueBuf = PERCPU_TYPES.has(this.type) ? ((v + 7) & ~7) * possibleCpus() : v;
    }
    return this.#valueBuf;
  }

  /** Resize before load (a ring buffer's size must be a power of two multiple of the page size). */
  setMaxEntries(n: number): void {
    if (this.owner.loaded) throw new StateError(`setMaxEntries(${this.name}) must run before load()`);
    check(`bpf_map__set_max_entries(${this.name}, ${n})`, libbpf().bpf_map__set_max_entries(this.ptr, n));
  }

  /** Value for `key`, or undefined if absent; pass `into` to avoid allocating. */
  lookup(key: Uint8Array, into?: Uint8Array): Uint8Array | undefined {
    const out = into ?? new Uint8Array(this.valueBufferSize);
    this.checkKey(key);
    const r = libbpf().bpf_map_lookup_elem(this.fd, key, out);
    if (r === -ENOENT) return undefined;
    check(`bpf_map_lookup_elem(${this.name})`, r);
    return out;
  }

  /** Create or replace (flags: BPF_ANY, BPF_NOEXIST, BPF_EXIST). */
  update(key: Uint8Array, value: Uint8Array, flags = BPF_ANY): void {
    this.checkKey(key);
    if (value.byteLength < this.valueBufferSize)
      throw new InvalidArgumentError(
        `map ${this.name}: value is ${value.byteLength} bytes, needs ${this.valueBufferSize}`,
        "EINVAL",
        { errno: 22 },
      );
    check(`bpf_map_update_elem(${this.name})`, libbpf().bpf_map_update_elem(this.fd, key, value, flags));
  }

  /** Delete `key`; false if it was absent. */
  delete(key: Uint8Array): boolean {
    this.checkKey(key);
    const r = libbpf().bpf_map_delete_elem(this.fd, key);
    if (r === -ENOENT) return false;
    check(`bpf_map_delete_elem(${this.name})`, r);
    return true;
  }

  /** Iterate keys (each a fresh Uint8Array); concurrent updates may skip or repeat keys. */
  *keys(): Generator<Uint8Array> {
    let prev: Uint8Array | null = null;
    for (;;) {
      const next = new Uint8Array(Math.max(this.keySize, 1));
      const r = libbpf().bpf_map_get_next_key(this.fd, prev, next);
      if (r === -ENOENT) return;
      check(`bpf_map_get_next_key(${this.name})`, r);
      yield next;
      prev = next;
    }
  }

  private checkKey(key: Uint8Array): void {
    if (key.byteLength < this.keySize)
      throw new InvalidArgumentError(
        `map ${this.name}: key is ${key.byteLength} bytes, needs ${this.keySize}`,
        "EINVAL",
        { errno: 22 },
      );
  }
}
