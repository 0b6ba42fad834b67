// qmp-shell-style use from another language: a Python client that reads lines with makefile().readline(), as
// QEMU's legacy QEMUMonitorProtocol does, and turns `command key=value a.b=value` into JSON as qmp-shell does.
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { registerColodCommands } from "./colod-commands.js";
import type { PassthroughRule } from "./passthrough.js";
import { tempDir } from "./qmp-client.fixtures.js";
import { QmpServer } from "./qmp-server.js";

const havePython = spawnSync("python3", ["--version"]).status === 0;

const CLIENT = String.raw`
import json, socket, sys

def value(v):
    try:
        return int(v)
    except ValueError:
        return v

def to_json(line):
    name, *pairs = line.split()
    args = {}
    for pair in pairs:
        key, _, v = pair.partition("=")
        *parents, leaf = key.split(".")
        d = args
        for p in parents:
            d = d.setdefault(p, {})
        d[leaf] = value(v)
    return {"execute": name, "arguments": args} if args else {"execute": name}

s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
f = s.makefile("rw")
print(json.dumps({"greeting": json.loads(f.readline())}))
for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    f.write(json.dumps(to_json(line)) + "\n")
    f.flush()
    while True:
        resp = json.loads(f.readline())
        if "event" not in resp:
            break
        print(json.dumps({"event": resp}))
    print(json.dumps(resp))
`;

describe.skipIf(!havePython)("qmp-shell-style client (Python)", () => {
  let dir: { dir: string; remove: () => void };
  let server: QmpServer;
  const rules: PassthroughRule[] = [];

  beforeAll(async () => {
    dir = tempDir();
    server = new QmpServer({ path: join(dir.dir, "colod.qmp"), version: "0.1.0" });
    registerColodCommands(server, {
      status: () => ({ version: "0.1.0", state: "running", uptime: 1 }),
      counters: () => [],
      checkpoint: () => {
        server.emit("COLOD_TEST_FLUSHED");
        return { released: 0 };
      },
      passthroughAdd: (r) => rules.push(r),
      passthroughDel: () => false,
      passthroughList: () => rules.map((rule, i) => ({ id: i + 1, rule })),
    });
    await server.listen();
  });

  afterAll(async () => {
    await server?.close();
    dir?.remove();
  });

  test("drives colod with plain JSON lines", async () => {
    const py = spawn("python3", ["-c", CLIENT, server.path], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    py.stdout.on("data", (d) => {
      out += d;
    });
    py.stderr.on("data", (d) => {
      err += d;
    });
    py.stdin.end(
      [
        "qmp_capabilities",
        "query-colod-status",
        "colod-passthrough-add protocol=tcp destination.host=10.0.0.1 destination.port=22",
        "colod-passthrough-list",
        "colod-checkpoint",
        "colod-passthrough-del id=9",
      ].join("\n"),
    );
    const code = await new Promise((r) => py.on("close", r));
    expect(code, err).toBe(0);
    const lines = out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toEqual([
      {
        greeting: {
          QMP: {
            version: { qemu: { micro: 0, minor: 1, major: 0 }, package: "colod 0.1.0" },
            capabilities: [],
          },
        },
      },
      { return: {} },
      { return: { version: "0.1.0", state: "running", uptime: 1 } },
      { return: { id: 1 } },
      { return: [{ id: 1, protocol: "tcp", destination: { host: "10.0.0.1", port: 22 } }] },
      { event: { event: "COLOD_TEST_FLUSHED", timestamp: expect.any(Object) } },
      { return: { released: 0 } },
      { error: { class: "GenericError", desc: "No passthrough rule with id 9" } },
    ]);
  });
});
