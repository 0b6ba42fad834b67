// A small QAPI-like argument checker, so bad arguments get QEMU's wording
// ("Parameter 'x' is missing", "Invalid parameter type for 'x', expected: integer").
import { QmpCommandError } from "./errors.js";

/** A member's type: QAPI's builtin names, a nested object, or "any" (the handler checks it). */
export type ArgType = "str" | "int" | "number" | "bool" | "any" | { object: ArgsSchema };

/** One member of a command's arguments. */
export interface ArgSpec {
  type: ArgType;
  /** QAPI's `*name`: may be absent. */
  optional?: boolean;
  /** For "str": the accepted values. */
  enum?: readonly string[];
}

/** The arguments object of a command: member name to spec. */
export type ArgsSchema = Readonly<Record<string, ArgSpec>>;

const EXPECTED: Record<Exclude<ArgType, "any" | { object: ArgsSchema }>, string> = {
  str: "string",
  int: "integer",
  number: "number",
  bool: "boolean",
};

/** Throws a QmpCommandError worded like QEMU's if `args` does not fit `schema`. */
export function checkArgs(schema: ArgsSchema, args: Record<string, unknown>, prefix = ""): void {
  for (const key of Object.keys(args)) {
    if (!Object.hasOwn(schema, key)) throw new QmpCommandError(`Parameter '${prefix}${key}' is unexpected`);
  }
  for (const [key, spec] of Object.entries(schema)) {
    const value = args[key];
    const name = `${prefix}${key}`;
    if (value === undefined) {
      if (!spec.optional) throw new QmpCommandError(`Parameter '${name}' is missing`);
      continue;
    }
    checkValue(spec, value, name);
  }
}

function checkValue(spec: ArgSpec, value: unknown, name: string): void {
  const t = spec.type;
  if (t === "any") return;
  if (typeof t === "object") {
    if (!isPlainObject(value)) throw typeError(name, "object");
    checkArgs(t.object, value, `${name}.`);
    return;
  }
  if (!fits(t, value)) throw typeError(name, EXPECTED[t]);
  if (spec.enum && !spec.enum.includes(value as string)) {
    throw new QmpCommandError(`Parameter '${name}' does not accept value '${String(value)}'`);
  }
}

function fits(t: keyof typeof EXPECTED, value: unknown): boolean {
  switch (t) {
    case "str":
      return typeof value === "string";
    case "int":
      return Number.isSafeInteger(value);
    case "number":
      return typeof value === "number";
    case "bool":
      return typeof value === "boolean";
  }
}

function typeError(name: string, expected: string): QmpCommandError {
  return new QmpCommandError(`Invalid parameter type for '${name}', expected: ${expected}`);
}

/** True for `{...}` (not null, not an array). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
