// The libbpf >= 1.0 and libc symbols the binding uses, opened lazily so importing never fails.

import { LibraryMissingError } from "./errors.js";
import type { FnDefs, NativeLib } from "./ffi/index.js";
import { ffi } from "./ffi/index.js";

/** Where libbpf is loaded from; LIBBPF_TS_LIBBPF overrides it (tests, non-Debian layouts). */
export const LIBBPF_PATH = envOr("LIBBPF_TS_LIBBPF", "libbpf.so.1");

// Deno throws on env access without --allow-env; --allow-ffi alone must be enough to use the binding.
function envOr(name: string, fallback: string): string {
  try {
    return process.env[name] ?? fallback;
  } catch {
    return fallback;
  }
}
/** glibc's soname: mmap, poll, vsnprintf, errno. */
export const LIBC_PATH = "libc.so.6";

const libbpfDefs = {
  libbpf_set_print: { args: ["fn"], ret: "ptr" },
  bpf_object__open_file: { args: ["cstr", "buf"], ret: "ptr" },
  bpf_object__open_mem: { args: ["buf", "usize", "buf"], ret: "ptr" },
  bpf_object__load: { args: ["ptr"], ret: "i32" },
  bpf_object__close: { args: ["ptr"], ret: "void" },
  bpf_object__name: { args: ["ptr"], ret: "cstr" },
  bpf_object__btf: { args: ["ptr"], ret: "ptr" },
  bpf_object__find_map_by_name: { args: ["ptr", "cstr"], ret: "ptr" },
  bpf_object__find_program_by_name: { args: ["ptr", "cstr"], ret: "ptr" },
  bpf_object__next_map: { args: ["ptr", "ptr"], ret: "ptr" },
  bpf_object__next_program: { args: ["ptr", "ptr"], ret: "ptr" },
  bpf_map__fd: { args: ["ptr"], ret: "i32" },
  bpf_map__name: { args: ["ptr"], ret: "cstr" },
  bpf_map__type: { args: ["ptr"], ret: "i32" },
  bpf_map__key_size: { args: ["ptr"], ret: "u32" },
  bpf_map__value_size: { args: ["ptr"], ret: "u32" },
  bpf_map__max_entries: { args: ["ptr"], ret: "u32" },
  bpf_map__set_max_entries: { args: ["ptr", "u32"], ret: "i32" },
  bpf_map__initial_value: { args: ["ptr", "buf"], ret: "ptr" },
  bpf_map__set_initial_value: { args: ["ptr", "buf", "usize"], ret: "i32" },
  bpf_program__fd: { args: ["ptr"], ret: "i32" },
  bpf_program__name: { args: ["ptr"], ret: "cstr" },
  bpf_program__type: { args: ["ptr"], ret: "i32" },
  bpf_program__set_autoload: { args: ["ptr", "i32"], ret: "i32" },
  bpf_map_lookup_elem: { args: ["i32", "buf", "buf"], ret: "i32" },
  bpf_map_update_elem: { args: ["i32", "buf", "buf", "u64"], ret: "i32" },
  bpf_map_delete_elem: { args: ["i32", "buf"], ret: "i32" },
  bpf_map_get_next_key: { args: ["i32", "buf", "buf"], ret: "i32" },
  bpf_prog_test_run_opts: { args: ["i32", "buf"], ret: "i32" },
  bpf_prog_query: { args: ["i32", "i32", "u32", "buf", "buf", "buf"], ret: "i32" },
  bpf_obj_get_info_by_fd: { args: ["i32", "buf", "buf"], ret: "i32" },
  bpf_obj_pin: { args: ["i32", "cstr"], ret: "i32" },
  bpf_obj_get: { args: ["cstr"], ret: "i32" },
  bpf_link_create: { args: ["i32", "i32", "i32", "buf"], ret: "i32" },
  bpf_tc_hook_create: { args: ["buf"], ret: "i32" },
  bpf_tc_attach: { args: ["buf", "buf"], ret: "i32" },
  bpf_tc_detach: { args: ["buf", "buf"], ret: "i32" },
  bpf_tc_query: { args: ["buf", "buf"], ret: "i32" },
  ring_buffer__new: { args: ["i32", "fn", "ptr", "ptr"], ret: "ptr" },
  ring_buffer__poll: { args: ["ptr", "i32"], ret: "i32" },
  ring_buffer__consume: { args: ["ptr"], ret: "i32" },
  ring_buffer__epoll_fd: { args: ["ptr"], ret: "i32" },
  ring_buffer__free: { args: ["ptr"], ret: "void" },
  libbpf_probe_bpf_map_type: { args: ["i32", "ptr"], ret: "i32" },
  libbpf_probe_bpf_prog_type: { args: ["i32", "ptr"], ret: "i32" },
  btf__find_by_name_kind: { args: ["ptr", "cstr", "u32"], ret: "i32" },
  btf__type_by_id: { args: ["ptr", "u32"], ret: "ptr" },
  btf__name_by_offset: { args: ["ptr", "u32"], ret: "cstr" },
} as const satisfies FnDefs;

const libcDefs = {
  mmap: { args: ["ptr", "usize", "i32", "i32", "i32", "i64"], ret: "ptr" },
  munmap: { args: ["ptr", "usize"], ret: "i32" },
  poll: { args: ["buf", "u64", "i32"], ret: "i32", nonblocking: true },
  close: { args: ["i32"], ret: "i32" },
  fcntl: { args: ["i32", "i32", "i32"], ret: "i32" }, // variadic in C; fixed ints are ABI-compatible
  sysconf: { args: ["i32"], ret: "i64" },
  vsnprintf: { args: ["buf", "usize", "ptr", "ptr"], ret: "i32" },
  __errno_location: { args: [], ret: "ptr" },
  if_nametoindex: { args: ["cstr"], ret: "u32" },
} as const satisfies FnDefs;

let bpf: NativeLib<typeof libbpfDefs> | undefined;
let c: NativeLib<typeof libcDefs> | undefined;

/** dlopen libbpf at `path` and bind the symbols; LibraryMissingError (with the install hint) if it fails. */
export function openLibbpf(path = LIBBPF_PATH): NativeLib<typeof libbpfDefs> {
  try {
    return ffi.open(path, libbpfDefs);
  } catch (cause) {
    throw new LibraryMissingError(path, cause);
  }
}

/** libbpf symbols, opened on first use. */
export function libbpf(): NativeLib<typeof libbpfDefs>["call"] {
  bpf ??= openLibbpf();
  return bpf.call;
}

/** libc symbols (glibc). */
export function libc(): NativeLib<typeof libcDefs> {
  if (!c) c = ffi.open(LIBC_PATH, libcDefs);
  return c;
}

/** errno of the last failed libc/libbpf call on this thread (best effort: the runtime may clobber it). */
export function lastErrno(): number {
  const p = libc().call.__errno_location();
  return new DataView(ffi.view(p, 4)).getInt32(0, true);
}
