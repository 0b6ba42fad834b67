// Child of privileges.test.ts: runs as uid 65534 and prints what load() and probeTcx() do there.
import { BpfObject, LibbpfError, probeTcx, setPrint } from "./index.js";

if (!process.env.LIBBPF_TS_LOG) setPrint(null);
const path = process.argv[process.argv.length - 1]!;

function outcome(fn: () => unknown): unknown {
  try {
    return { ok: fn() ?? true };
  } catch (e) {
    const err = e as LibbpfError;
    return { name: err.name, code: err.code, base: e instanceof LibbpfError, message: err.message };
  }
}

const load = outcome(() => {
  const obj = BpfObject.openFile(path);
  obj.load();
  obj.close();
});
console.log(JSON.stringify({ load, probeTcx: outcome(probeTcx) }));
