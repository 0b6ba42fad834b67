// Child of privileges.test.ts: runs without CAP_BPF/CAP_NET_ADMIN and prints the error load() throws.
import { BpfObject, LibbpfError, setPrint } from "./index.js";

if (!process.env.LIBBPF_TS_LOG) setPrint(null);
const path = process.argv[process.argv.length - 1]!;
try {
  const obj = BpfObject.openFile(path);
  obj.load();
  console.log(JSON.stringify({ loaded: true }));
} catch (e) {
  const err = e as LibbpfError;
  console.log(
    JSON.stringify({ name: err.name, code: err.code, base: e instanceof LibbpfError, message: err.message }),
  );
}
