// Conformance against the real thing: the same input lines go to QEMU 7.2's QMP monitor (Debian's binary,
// `-machine none`) and to colod's server, and the error classes and wording must agree.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { LineClient, tempDir } from "./qmp-client.fixtures.js";
import { QmpServer } from "./qmp-server.js";

const QEMU = "/usr/bin/qemu-system-x86_64";
const haveQemu = existsSync(QEMU);

/** Lines sent before negotiation, then the negotiation, then lines sent after it. */
const BEFORE = [
  '{"execute":"query-status","id":1}',
  '{"execute":"nope"}',
  "garbage",
  "[1,2]",
  '{"foo":1}',
  '{"execute":3}',
  '{"execute":"query-version","arguments":[]}',
  '{"id":5}',
];
const NEGOTIATE = '{"execute":"qmp_capabilities","id":"x"}';
const AFTER = [
  '{"execute":"qmp_capabilities"}',
  '{"execute":"nope","id":7}',
  '{"execute":"query-commands","arguments":{"x":1}}',
  '{"execute":"query-version","arguments":{"x":1},"id":[1]}',
  '{"execute":"query-version","id":{"a":null}}',
];

/** Error replies compared exactly; success replies by shape (colod's version differs from QEMU's). */
function normalise(reply: any): unknown {
  if (reply.error) return reply;
  const shape = (v: unknown): unknown =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x)]))
      : Array.isArray(v)
        ? "array"
        : typeof v;
  return shape(reply);
}

async function transcript(path: string): Promise<unknown[]> {
  const c = await LineClient.connect(path);
  const out: unknown[] = [normalise(await c.next())];
  for (const line of [...BEFORE, NEGOTIATE, ...AFTER]) {
    c.send(`${line}\n`);
    out.push(normalise(await c.next()));
  }
  c.close();
  return out;
}

describe.skipIf(!haveQemu)("QMP conformance with QEMU 7.2", () => {
  let dir: { dir: string; remove: () => void };
  let qemu: ChildProcess;
  let server: QmpServer;

  beforeAll(async () => {
    dir = tempDir();
    const qemuPath = join(dir.dir, "qemu.qmp");
    qemu = spawn(
      QEMU,
      ["-machine", "none", "-nodefaults", "-display", "none", "-qmp", `unix:${qemuPath},server=on,wait=off`],
      {
        stdio: "ignore",
      },
    );
    const deadline = Date.now() + 20_000;
    while (!existsSync(qemuPath) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    server = new QmpServer({ path: join(dir.dir, "colod.qmp") });
    await server.listen();
  });

  afterAll(async () => {
    qemu?.kill("SIGKILL");
    await server?.close();
    dir?.remove();
  });

  test("greeting, negotiation and every error reply match QEMU's", async () => {
    const fromQemu = await transcript(join(dir.dir, "qemu.qmp"));
    const fromColod = await transcript(join(dir.dir, "colod.qmp"));
    // QEMU offers the oob capability, colod none: compare the greeting without it.
    (fromQemu[0] as any).QMP.capabilities = "array";
    (fromColod[0] as any).QMP.capabilities = "array";
    expect(fromColod).toEqual(fromQemu);
    expect(fromColod).toHaveLength(1 + BEFORE.length + 1 + AFTER.length);
  });
});
