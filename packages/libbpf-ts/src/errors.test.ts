import { expect, test } from "vitest";
import {
  ExistsError,
  errnoError,
  errnoName,
  InvalidArgumentError,
  LibbpfError,
  LibraryMissingError,
  NotFoundError,
  ObjectError,
  openLibbpf,
  PermissionError,
  ResourceError,
} from "./index.js";

test("negative errno maps to the error family, naming the call and errno", () => {
  const cases: Array<[number, typeof LibbpfError, string]> = [
    [-1, PermissionError, "EPERM"],
    [-13, PermissionError, "EACCES"],
    [-2, NotFoundError, "ENOENT"],
    [-19, NotFoundError, "ENODEV"],
    [-22, InvalidArgumentError, "EINVAL"],
    [-95, InvalidArgumentError, "EOPNOTSUPP"],
    [-17, ExistsError, "EEXIST"],
    [-16, ExistsError, "EBUSY"],
    [-12, ResourceError, "ENOMEM"],
    [-7, ResourceError, "E2BIG"],
    [-4007, ObjectError, "LIBBPF_ERRNO__LOAD"],
    [-9999, LibbpfError, "E9999"],
  ];
  for (const [ret, cls, code] of cases) {
    const e = errnoError("bpf_x", ret);
    expect(e).toBeInstanceOf(cls);
    expect(e).toBeInstanceOf(LibbpfError);
    expect(e).toMatchObject({ code, errno: -ret, call: "bpf_x", name: cls.name });
    expect(e.message.startsWith(`bpf_x failed: ${code}`)).toBe(true);
  }
  expect(errnoError("bpf_link_create", -1).message).toBe(
    "bpf_link_create failed: EPERM (needs CAP_BPF and CAP_NET_ADMIN)",
  );
  expect(errnoName(22)).toBe("EINVAL");
});

test("a missing libbpf.so gives the install hint and keeps the loader error as cause", () => {
  let err: unknown;
  try {
    openLibbpf("/nonexistent/libbpf.so.1");
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(LibraryMissingError);
  expect(err).toMatchObject({ code: "ERR_LIBBPF_MISSING", name: "LibraryMissingError" });
  expect((err as Error).message).toMatch(/apt-get install libbpf1.*setup-system.sh/);
  expect((err as Error).cause).toBeDefined();
});

test("the real libbpf opens", () => {
  expect(() => openLibbpf().close()).not.toThrow();
});
