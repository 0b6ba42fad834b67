import { spawnSync } from "node:child_process";
import { existsSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { ControlSocketError, QmpCommandError } from "./errors.js";
import { LineClient, tempDir } from "./qmp-client.fixtures.js";
import { QmpServer } from "./qmp-server.js";

let dir: { dir: string; remove: () => void };
let server: QmpServer;
let path: string;
const clients: LineClient[] = [];
let ticks = 0;

async function client(negotiate = true): Promise<LineClient> {
  const c = negotiate ? await LineClient.negotiated(path) : await LineClient.connect(path);
  clients.push(c);
  return c;
}

beforeEach(async () => {
  dir = tempDir();
  path = join(dir.dir, "colod.qmp");
  server = new QmpServer({ path, version: "1.2.3" });
  server.register("echo", (args) => args);
  server.register("nothing", () => undefined);
  server.register("typed", (args) => ({ got: args.n }), {
    n: { type: "int" },
    s: { type: "str", optional: true, enum: ["a", "b"] },
    o: { type: { object: { x: { type: "bool" } } }, optional: true },
  });
  server.register("fails", () => {
    throw new QmpCommandError("rule 7 does not exist");
  });
  server.register("crashes", () => {
    throw new TypeError("boom");
  });
  ticks = 0;
  server.register("tick", async () => {
    await new Promise((r) => setImmediate(r));
    return ++ticks;
  });
  server.register("slow", async () => {
    await new Promise((r) => setTimeout(r, 50));
    return "slow";
  });
  await server.listen();
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server.close();
  dir.remove();
});

describe("greeting and negotiation", () => {
  test("greets with QEMU's shape and the colod version", async () => {
    const c = await client(false);
    expect(await c.next()).toEqual({
      QMP: { version: { qemu: { micro: 3, minor: 2, major: 1 }, package: "colod 1.2.3" }, capabilities: [] },
    });
  });

  test("commands before qmp_capabilities get CommandNotFound, as QEMU words it", async () => {
    const c = await client(false);
    await c.next();
    c.send({ execute: "echo", id: 1 });
    expect(await c.next()).toEqual({
      id: 1,
      error: { class: "CommandNotFound", desc: "Expecting capabilities negotiation with 'qmp_capabilities'" },
    });
    c.send({ execute: "nope" });
    expect((await c.next()).error.class).toBe("CommandNotFound");
    c.send({ execute: "qmp_capabilities", id: "n" });
    expect(await c.next()).toEqual({ return: {}, id: "n" });
    c.send({ execute: "qmp_capabilities" });
    expect(await c.next()).toEqual({
      error: {
        class: "CommandNotFound",
        desc: "Capabilities negotiation is already complete, command ignored",
      },
    });
  });

  test("refuses capabilities it does not offer and stays in negotiation mode", async () => {
    const c = await client(false);
    await c.next();
    c.send({ execute: "qmp_capabilities", arguments: { enable: ["oob"] } });
    expect(await c.next()).toEqual({
      error: { class: "GenericError", desc: "Capability 'oob' not available" },
    });
    c.send({ execute: "echo" });
    expect((await c.next()).error.class).toBe("CommandNotFound");
  });
});

describe("execute", () => {
  test("returns the handler's result with the id echoed, {} for nothing", async () => {
    const c = await client();
    c.send({ execute: "echo", arguments: { a: [1, 2], b: "x" }, id: { any: ["json"] } });
    expect(await c.next()).toEqual({ return: { a: [1, 2], b: "x" }, id: { any: ["json"] } });
    c.send({ execute: "nothing", id: null });
    expect(await c.next()).toEqual({ return: {}, id: null });
  });

  test("unknown commands and handler errors", async () => {
    const c = await client();
    c.send({ execute: "nope", id: 7 });
    expect(await c.next()).toEqual({
      id: 7,
      error: { class: "CommandNotFound", desc: "The command nope has not been found" },
    });
    expect(await c.execute("fails")).toEqual({
      error: { class: "GenericError", desc: "rule 7 does not exist" },
    });
    expect(await c.execute("crashes")).toEqual({ error: { class: "GenericError", desc: "boom" } });
    expect(await c.execute("echo", { still: "alive" })).toEqual({ return: { still: "alive" } });
  });

  test("argument schema errors use QEMU's wording", async () => {
    const c = await client();
    const desc = async (args: Record<string, unknown>) => (await c.execute("typed", args)).error?.desc;
    expect(await desc({})).toBe("Parameter 'n' is missing");
    expect(await desc({ n: 1, x: 2 })).toBe("Parameter 'x' is unexpected");
    expect(await desc({ n: "1" })).toBe("Invalid parameter type for 'n', expected: integer");
    expect(await desc({ n: 1.5 })).toBe("Invalid parameter type for 'n', expected: integer");
    expect(await desc({ n: 1, s: "c" })).toBe("Parameter 's' does not accept value 'c'");
    expect(await desc({ n: 1, o: [] })).toBe("Invalid parameter type for 'o', expected: object");
    expect(await desc({ n: 1, o: { x: 1 } })).toBe("Invalid parameter type for 'o.x', expected: boolean");
    expect(await desc({ n: 1, o: { x: true, y: 1 } })).toBe("Parameter 'o.y' is unexpected");
    expect(await c.execute("typed", { n: 5, s: "a", o: { x: false } })).toEqual({ return: { got: 5 } });
  });

  test("replies keep request order even when a handler is async", async () => {
    const c = await client();
    c.send(`${JSON.stringify({ execute: "slow", id: 1 })}\n${JSON.stringify({ execute: "echo", id: 2 })}\n`);
    expect((await c.next()).id).toBe(1);
    expect((await c.next()).id).toBe(2);
  });

  test("thousands of pipelined requests to an async handler are all answered, in order", async () => {
    const c = await client();
    const n = 1000; // well above the 256 at which reading pauses
    let text = "";
    for (let i = 0; i < n; i++) text += `${JSON.stringify({ execute: "tick", id: i })}\n`;
    c.send(text);
    for (let i = 0; i < n; i++) expect((await c.next()).id).toBe(i);
    expect(ticks).toBe(n);
  });

  test("query-commands lists built-ins and registered commands; query-version", async () => {
    const c = await client();
    const names = (await c.execute("query-commands")).return.map((e: { name: string }) => e.name);
    expect(names).toEqual(
      expect.arrayContaining(["qmp_capabilities", "query-commands", "echo", "typed", "slow"]),
    );
    expect(await c.execute("query-version")).toEqual({
      return: { qemu: { micro: 3, minor: 2, major: 1 }, package: "colod 1.2.3" },
    });
  });

  test("a command registered twice or under a built-in name is refused", () => {
    expect(() => server.register("echo", () => 1)).toThrow(/already registered/);
    expect(() => server.register("query-commands", () => 1)).toThrow(/built into/);
  });
});

describe("robust input", () => {
  test("garbage, non-objects and bad envelopes get an error each and the server carries on", async () => {
    const c = await client();
    const cases: [string, string][] = [
      ["garbage\n", "JSON parse error, invalid keyword 'garbage'"],
      ["[1,2]\n", "QMP input must be a JSON object"],
      ["42\n", "QMP input must be a JSON object"],
      ['{"foo":1}\n', "QMP input member 'foo' is unexpected"],
      ['{"execute":3}\n', "QMP input member 'execute' must be a string"],
      ['{"execute":"echo","arguments":[]}\n', "QMP input member 'arguments' must be an object"],
      ['{"id":5}\n', "QMP input lacks member 'execute'"],
    ];
    for (const [line, desc] of cases) {
      c.send(line);
      const r = await c.next();
      expect(r.error).toEqual({ class: "GenericError", desc });
    }
    c.send('{"execute":"echo", "arguments": {"x":\n'); // truncated line: the newline ends it
    const truncated = (await c.next()).error.desc;
    expect(truncated).toMatch(/^JSON parse error, \S/);
    expect(truncated).not.toMatch(/JSON parse error.*JSON parse error/i);
    c.send('{"execute":"echo","arguments":{"ok":1}}}\n'); // stray closing brace after a good object
    expect(await c.next()).toEqual({ return: { ok: 1 } });
    expect((await c.next()).error.desc).toMatch(/^JSON parse error, /);
    expect(await c.execute("echo", { ok: 2 })).toEqual({ return: { ok: 2 } });
  });

  test("input split byte by byte, several commands per write, CRLF and multibyte UTF-8", async () => {
    const c = await client();
    const text = `${JSON.stringify({ execute: "echo", arguments: { s: "héllo ✓" }, id: 1 })}\r\n{"execute":"echo","id":2}{"execute":"echo","id":3}\n`;
    const bytes = new TextEncoder().encode(text);
    for (const b of bytes) {
      c.sock.write(new Uint8Array([b]));
      await new Promise((r) => setImmediate(r));
    }
    expect(await c.next()).toEqual({ return: { s: "héllo ✓" }, id: 1 });
    expect(await c.next()).toEqual({ return: {}, id: 2 });
    expect(await c.next()).toEqual({ return: {}, id: 3 });
  });

  test("an over-long line is discarded with an error, the next one works", async () => {
    const c = await client();
    c.send(`{"execute":"echo","arguments":{"big":"${"x".repeat(1024 * 1024 + 10)}"}}\n`);
    expect((await c.next()).error.desc).toMatch(/^JSON parse error, input longer than/);
    expect(await c.execute("echo", { after: true })).toEqual({ return: { after: true } });
  });

  test("random bytes get only error or return replies, and a command after them still works", async () => {
    const c = await client();
    let seed = 12345;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    const alphabet = '{}[]":,\\ \nexcutgaid0123456789-.truefalsnl\u00ff';
    for (let round = 0; round < 20; round++) {
      let junk = "";
      for (let i = 0; i < 200; i++) junk += alphabet[rand() % alphabet.length];
      c.send(junk);
      const bytes = new Uint8Array(64).map(() => rand() & 255);
      c.sock.write(bytes);
    }
    c.send('\n{"execute":"echo","arguments":{"alive":true},"id":"sentinel"}\n');
    for (;;) {
      const m = await c.next();
      expect(Object.keys(m).filter((k) => k !== "id")).toEqual([m.error ? "error" : "return"]);
      if (m.id === "sentinel") {
        expect(m).toEqual({ return: { alive: true }, id: "sentinel" });
        break;
      }
    }
  });

  test("a client that disconnects mid-line does not disturb others", async () => {
    const a = await client();
    const b = await client();
    a.send('{"execute":"ec');
    a.close();
    expect(await b.execute("echo", { b: 1 })).toEqual({ return: { b: 1 } });
  });
});

describe("events", () => {
  test("go to every negotiated client, not to one still negotiating", async () => {
    const a = await client();
    const b = await client();
    const raw = await client(false);
    await raw.next(); // greeting
    const before = Date.now();
    server.emit("COLOD_TEST", { n: 1n << 60n });
    server.emit("COLOD_BARE");
    for (const c of [a, b]) {
      const e = await c.next();
      expect(e.event).toBe("COLOD_TEST");
      expect(e.data).toEqual({ n: "1152921504606846976" });
      expect(Object.keys(e.timestamp).sort()).toEqual(["microseconds", "seconds"]);
      expect(e.timestamp.seconds * 1000 + e.timestamp.microseconds / 1000).toBeGreaterThanOrEqual(before - 1);
      expect(e.timestamp.microseconds).toBeLessThan(1_000_000);
      const bare = await c.next();
      expect(bare.event).toBe("COLOD_BARE");
      expect(bare.data).toBeUndefined();
    }
    raw.send({ execute: "qmp_capabilities", id: "late" });
    expect(await raw.next()).toEqual({ return: {}, id: "late" }); // no event queued before the reply
  });
});

describe("limits", () => {
  test("a client that never reads is dropped once its backlog passes 4 MiB; others keep working", async () => {
    const lazy = await client();
    const busy = await client();
    lazy.sock.pause(); // reads nothing from here on
    const blob = "x".repeat(64 * 1024);
    for (let i = 0; i < 200 && !lazy.closed; i++) {
      server.emit("COLOD_BIG", { blob });
      await new Promise((r) => setImmediate(r));
    }
    await new Promise((r) => setTimeout(r, 50));
    expect(server.clientCount).toBe(1);
    expect(await busy.execute("echo", { still: "here" })).toMatchObject({ return: { still: "here" } });
  });

  test("clients beyond maxClients are closed at once", async () => {
    const small = new QmpServer({ path: join(dir.dir, "small.qmp"), maxClients: 2 });
    await small.listen();
    const a = await LineClient.negotiated(small.path);
    const b = await LineClient.negotiated(small.path);
    const c = await LineClient.connect(small.path);
    await expect(c.next()).rejects.toThrow(/closed/);
    expect(await a.execute("query-version")).toHaveProperty("return");
    for (const x of [a, b, c]) x.close();
    await small.close();
  });
});

describe("socket file", () => {
  test("is created 0600 by default and removed on close", async () => {
    expect(statSync(path).isSocket()).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    await server.close();
    expect(existsSync(path)).toBe(false);
    server = new QmpServer({ path, mode: 0o660 });
    await server.listen();
    expect(statSync(path).mode & 0o777).toBe(0o660);
  });

  test("a live socket is not taken over, a stale one is replaced, a regular file is left alone", async () => {
    const second = new QmpServer({ path });
    await expect(second.listen()).rejects.toThrow(ControlSocketError);
    await expect(second.listen()).rejects.toThrow(/another process is listening/);
    expect((await client()).closed).toBe(false); // the first server still works

    const file = join(dir.dir, "plain");
    writeFileSync(file, "keep me");
    const third = new QmpServer({ path: file });
    await expect(third.listen()).rejects.toMatchObject({ code: "ERR_CONTROL_SOCKET" });
    expect(statSync(file).isFile()).toBe(true);
  });

  test.skipIf(spawnSync("python3", ["--version"]).status !== 0)(
    "a stale socket left by a dead process is replaced",
    async () => {
      const stale = join(dir.dir, "stale.qmp");
      const py = spawnSync("python3", [
        "-c",
        `import socket; socket.socket(socket.AF_UNIX).bind(${JSON.stringify(stale)})`,
      ]);
      expect(py.status).toBe(0);
      expect(statSync(stale).isSocket()).toBe(true);
      const s2 = new QmpServer({ path: stale });
      await s2.listen();
      const c = await LineClient.negotiated(stale);
      expect(await c.execute("query-version")).toHaveProperty("return");
      c.close();
      await s2.close();
      expect(existsSync(stale)).toBe(false);
    },
  );

  test("several clients at once each get their own replies", async () => {
    const cs = await Promise.all(Array.from({ length: 8 }, () => client()));
    const replies = await Promise.all(cs.map((c, i) => c.execute("echo", { i })));
    expect(replies).toEqual(cs.map((_, i) => ({ return: { i } })));
    expect(server.clientCount).toBe(8);
  });
});
