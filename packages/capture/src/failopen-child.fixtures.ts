// Child process of failopen.test.ts: captures a tap as primary, says so, then waits to be killed.
import { openTapCapture } from "./capture.js";

const ifname = process.argv[process.argv.length - 1]!;
const cap = await openTapCapture({ ifname, role: "primary", ringBytes: 1 << 20, onFrame: () => {} });
console.log(`attached ${cap.attachKind} ${process.pid}`);
setInterval(() => {}, 1 << 30);
