// Linux errno numbers (x86-64/arm64 generic) the binding names in messages.
const NAMES: Record<number, string> = {
  1: "EPERM",
  2: "ENOENT",
  3: "ESRCH",
  4: "EINTR",
  5: "EIO",
  6: "ENXIO",
  7: "E2BIG",
  9: "EBADF",
  11: "EAGAIN",
  12: "ENOMEM",
  13: "EACCES",
  14: "EFAULT",
  16: "EBUSY",
  17: "EEXIST",
  19: "ENODEV",
  22: "EINVAL",
  23: "ENFILE",
  24: "EMFILE",
  28: "ENOSPC",
  34: "ERANGE",
  38: "ENOSYS",
  61: "ENODATA",
  75: "EOVERFLOW",
  95: "EOPNOTSUPP",
  524: "ENOTSUPP",
  4001: "LIBBPF_ERRNO__LIBELF",
  4002: "LIBBPF_ERRNO__FORMAT",
  4003: "LIBBPF_ERRNO__KVERSION",
  4004: "LIBBPF_ERRNO__ENDIAN",
  4005: "LIBBPF_ERRNO__INTERNAL",
  4006: "LIBBPF_ERRNO__RELOC",
  4007: "LIBBPF_ERRNO__LOAD",
  4008: "LIBBPF_ERRNO__VERIFY",
  4009: "LIBBPF_ERRNO__PROG2BIG",
  4010: "LIBBPF_ERRNO__KVER",
  4011: "LIBBPF_ERRNO__PROGTYPE",
  4012: "LIBBPF_ERRNO__WRNGPID",
  4013: "LIBBPF_ERRNO__INVSEQ",
  4014: "LIBBPF_ERRNO__NLPARSE",
};

/** Symbolic name of a (positive) errno, e.g. 1 -> "EPERM"; unknown numbers become "E<n>". */
export function errnoName(errno: number): string {
  return NAMES[errno] ?? `E${errno}`;
}

/** errno number of a symbolic name, or undefined. */
export function errnoNumber(name: string): number | undefined {
  for (const [n, v] of Object.entries(NAMES)) if (v === name) return Number(n);
  return undefined;
}
