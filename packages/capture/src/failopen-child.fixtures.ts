// Child process of failopen.test.ts and preflight.test.ts: captures a tap as primary and says so, then waits
// to be killed; if opening fails it prints the error's code and message and exits 1.
import type { AttachMode } from "./attach.js";
import { openTapCapture } from "./capture.js";
import type { CaptureError } from "./errors.js";

const ifname = process.argv[process.argv.length - 1]!;
const attach = (process.env.COLOD_CAPTURE_ATTACH ?? "auto") as AttachMode;
try {
  const cap = await openTapCapture({
    ifname,
    role: "primary",
    ringBytes: 1 << 20,
    attach,
    onFrame: () => {},
  });
  console.log(`attached ${cap.attachKind} ${process.pid}`);
  setInterval(() => {}, 1 << 30);
} catch (e) {
  console.log(`error ${(e as CaptureError).code} ${(e as Error).message}`);
  process.exit(1);
}
