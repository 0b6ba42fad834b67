// Load a BPF object, set .rodata, fill its ring buffer from XDP test runs and drain it in JS.
//   clang -O2 -g -target bpf -I/usr/include/x86_64-linux-gnu -c test-bpf/test.bpf.c -o /tmp/test.bpf.o
//   node examples/ring.mjs /tmp/test.bpf.o      (or: bun examples/ring.mjs ..., deno run -A examples/ring.mjs ...)
// Needs root (CAP_BPF + CAP_NET_ADMIN) and a built package (npx tsc --build packages/libbpf-ts).
import { BpfObject, RingBuffer, xdpContext } from "libbpf-ts";

const obj = BpfObject.openFile(process.argv[2] ?? "/tmp/test.bpf.o");
obj.setRodata({ tag: 0xc0de });
obj.map("rb").setMaxEntries(1 << 20);
obj.load();

const ring = new RingBuffer(obj.map("rb")); // default wait: off-thread poll (Node/Deno), worker (Bun)
const prog = obj.program("xdp_rec");
const frame = new Uint8Array(64).fill(0xab);
setTimeout(() => prog.testRun({ data: frame, ctx: xdpContext(frame.length), repeat: 3 }), 10);

let n = 0;
while (n < 3 && (await ring.wait(1000))) {
  n += ring.drain((data, at, len, view) => {
    // `data`/`view` are zero-copy over the ring: copy (data.slice) anything kept past this call
    console.log(
      `record: ${len} bytes, tag 0x${view.getUint32(at, true).toString(16)}, first byte ${data[at + 4]}`,
    );
  });
}
ring.close();
obj.close();
