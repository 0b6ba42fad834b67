// A BPF object file (ELF): open, configure (.rodata, map sizes), load, close.
import { datasecVars } from "./btf.js";
import { errnoError, type LibbpfError, NotFoundError, ObjectError, StateError } from "./errors.js";
import type { Ptr } from "./ffi/index.js";
import { ffi } from "./ffi/index.js";
import { BPF_OBJECT_OPEN_OPTS, Struct } from "./layouts.js";
import { track, untrack } from "./lifetime.js";
import { BpfMap } from "./map.js";
import { lastErrno, libbpf } from "./native.js";
import { OFF_HEAP_MIN } from "./offheap.js";
import { verifierVerdict, withLog } from "./print.js";
import { BpfProgram } from "./program.js";

/** A value for a `const volatile` global: integers by width, or raw bytes (at most the variable's size). */
export type RodataValue = number | bigint | boolean | Uint8Array;

/** A libbpf `struct bpf_object`. Close it (or `using`) to unload its programs and maps. */
export class BpfObject {
  #ptr: Ptr;
  #loaded = false;
  readonly #keep: unknown[]; // buffers libbpf still points into until load
  readonly #maps = new Map<string, BpfMap>();
  readonly #progs = new Map<string, BpfProgram>();

  private constructor(ptr: Ptr, keep: unknown[]) {
    this.#ptr = ptr;
    this.#keep = keep;
    track(this, () => libbpf().bpf_object__close(ptr));
  }

  /** Open a `.bpf.o` file (not loaded yet). */
  static openFile(path: string): BpfObject {
    const ptr = libbpf().bpf_object__open_file(path, null);
    if (ptr === null) throw errnoError(`bpf_object__open_file(${path})`, lastErrno() || 2);
    return new BpfObject(ptr, []);
  }

  /** Open an object from bytes (e.g. embedded base64); `name` prefixes its internal map names. */
  static openMem(bytes: Uint8Array, name = "bpf_obj"): BpfObject {
    const buf = bytes.slice(); // libbpf parses it until load(): our own copy cannot change or move under it
    const nameBytes = new TextEncoder().encode(`${name}\0`.padEnd(OFF_HEAP_MIN, "\0"));
    const opts = new Struct(BPF_OBJECT_OPEN_OPTS).set("object_name", ffi.addressOf(nameBytes));
    const ptr = libbpf().bpf_object__open_mem(buf, buf.byteLength, opts.bytes);
    if (ptr === null) throw errnoError(`bpf_object__open_mem(${name})`, lastErrno() || 22);
    return new BpfObject(ptr, [buf, nameBytes, opts]);
  }

  /** The raw `struct bpf_object *`. */
  get ptr(): Ptr {
    if (this.#ptr === null) throw new StateError("BpfObject is closed");
    return this.#ptr;
  }

  /** Whether `load()` succeeded. */
  get loaded(): boolean {
    return this.#loaded;
  }

  /** Object name (file name without .o, or the openMem name). */
  get name(): string {
    return libbpf().bpf_object__name(this.ptr) ?? "";
  }

  /** Names of all maps, including internal ones such as `<obj>.rodata`. */
  mapNames(): string[] {
    const names: string[] = [];
    for (
      let m = libbpf().bpf_object__next_map(this.ptr, null);
      m !== null;
      m = libbpf().bpf_object__next_map(this.ptr, m)
    )
      names.push(libbpf().bpf_map__name(m) ?? "");
    return names;
  }

  /** Names of all programs (the C function names). */
  programNames(): string[] {
    const names: string[] = [];
    const bpf = libbpf();
    for (
      let p = bpf.bpf_object__next_program(this.ptr, null);
      p !== null;
      p = bpf.bpf_object__next_program(this.ptr, p)
    )
      names.push(bpf.bpf_program__name(p) ?? "");
    return names;
  }

  /** The map called `name` (internal maps may be named by section, e.g. ".rodata"). */
  map(name: string): BpfMap {
    let m = this.#maps.get(name);
    if (!m) {
      const ptr = libbpf().bpf_object__find_map_by_name(this.ptr, name);
      if (ptr === null)
        throw new NotFoundError(
          `no map "${name}" in BPF object ${this.name} (maps: ${this.mapNames().join(", ")})`,
          "ENOENT",
          { errno: 2 },
        );
      m = new BpfMap(this, ptr);
      this.#maps.set(name, m);
    }
    return m;
  }

  /** The program whose C function is called `name`. */
  program(name: string): BpfProgram {
    let p = this.#progs.get(name);
    if (!p) {
      const ptr = libbpf().bpf_object__find_program_by_name(this.ptr, name);
      if (ptr === null)
        throw new NotFoundError(
          `no program "${name}" in BPF object ${this.name} (programs: ${this.programNames().join(", ")})`,
          "ENOENT",
          { errno: 2 },
        );
      p = new BpfProgram(this, ptr);
      this.#progs.set(name, p);
    }
    return p;
  }

  /**
   * Set `const volatile` globals before load; offsets come from BTF, so any order and any subset works.
   * Example: `obj.setRodata({ wakeup_bytes: 262144, release_mark: 0xc0de })`.
   */
  setRodata(values: Readonly<Record<string, RodataValue>>, section = ".rodata"): void {
    if (this.#loaded)
      throw new StateError(`setRodata must run before load(): ${section} is frozen after load`);
    const vars = datasecVars(libbpf().bpf_object__btf(this.ptr), section);
    const map = this.map(section);
    const sizeBuf = new Uint8Array(64);
    const base = libbpf().bpf_map__initial_value(map.ptr, sizeBuf);
    const size = Number(new DataView(sizeBuf.buffer).getBigUint64(0, true));
    if (base === null)
      throw new NotFoundError(`${section} of ${this.name} has no initial value`, "ENOENT", { errno: 2 });
    const dv = new DataView(ffi.view(base, size));
    for (const [name, value] of Object.entries(values)) {
      const slot = vars.get(name);
      if (!slot)
        throw new NotFoundError(
          `no variable "${name}" in ${section} of ${this.name} (has: ${[...vars.keys()].join(", ")})`,
          "ENOENT",
          { errno: 2 },
        );
      writeVar(dv, slot.offset, slot.size, value, name);
    }
  }

  /** Names, offsets and sizes of a section's variables (from BTF). */
  variables(section = ".rodata"): Map<string, { offset: number; size: number }> {
    return datasecVars(libbpf().bpf_object__btf(this.ptr), section);
  }

  /** Create maps, run the verifier and load every program (autoload ones). */
  load(): void {
    if (this.#loaded) throw new StateError(`BPF object ${this.name} is already loaded`);
    const call = `bpf_object__load(${this.name})`;
    const { result, log } = withLog(() => libbpf().bpf_object__load(this.ptr));
    if (result < 0) throw loadError(call, -result, log);
    this.#loaded = true;
    this.#keep.length = 0;
  }

  /** Unload programs, destroy maps (links and tc filters attached elsewhere are independent). */
  close(): void {
    if (this.#ptr === null) return;
    untrack(this);
    libbpf().bpf_object__close(this.#ptr);
    this.#ptr = null;
    this.#keep.length = 0;
  }

  /** `using obj = BpfObject.openFile(...)` closes it at scope end. */
  [Symbol.dispose](): void {
    this.close();
  }
}

/** A load failure; a verifier rejection becomes an ObjectError quoting the verifier's verdict. */
function loadError(call: string, errno: number, log: string[]): LibbpfError {
  const v = verifierVerdict(log);
  const base = errnoError(call, errno);
  const err = v
    ? new ObjectError(
        `${call} failed: ${base.code} (the verifier rejected prog '${v.prog}': ${v.reason})`,
        base.code,
        {
          errno,
          call,
        },
      )
    : base;
  err.log = log;
  return err;
}

function writeVar(dv: DataView, off: number, size: number, value: RodataValue, name: string): void {
  if (value instanceof Uint8Array) {
    if (value.byteLength > size)
      throw new RangeError(`${name}: ${value.byteLength} bytes do not fit in ${size}`);
    new Uint8Array(dv.buffer, dv.byteOffset + off, value.byteLength).set(value);
    return;
  }
  const v = typeof value === "boolean" ? Number(value) : value;
  if (size === 8) dv.setBigUint64(off, BigInt.asUintN(64, BigInt(v)), true);
  else if (size === 4) dv.setUint32(off, Number(v), true);
  else if (size === 2) dv.setUint16(off, Number(v), true);
  else if (size === 1) dv.setUint8(off, Number(v));
  else throw new RangeError(`${name} is ${size} bytes: pass a Uint8Array`);
}
