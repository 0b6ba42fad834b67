// Interface name -> index, the form every attach call takes.
import { NotFoundError } from "./errors.js";
import { libc } from "./native.js";

/** ifindex of interface `name` (if_nametoindex); throws NotFoundError if there is no such interface. */
export function ifindex(name: string): number {
  const i = libc().call.if_nametoindex(name);
  if (i === 0) throw new NotFoundError(`no network interface "${name}"`, "ENODEV", { errno: 19 });
  return i;
}
