#!/usr/bin/env node
// Runs one TypeScript module of this package under the current runtime (node, bun or deno) without a
// build, through Vite's module runner; writes nothing to disk, so it also works as an unprivileged user.
// Used by the privilege test (a child dropped to uid 65534 without capabilities).
//   node packages/libbpf-ts/scripts/run-ts.mjs FILE.ts [args...]
import { resolve } from "node:path";
import { createServer, createServerModuleRunner } from "vite";

const file = process.argv[2];
if (!file) {
  console.error("usage: run-ts.mjs FILE.ts [args...]");
  process.exit(2);
}
const server = await createServer({
  configFile: false,
  root: resolve(import.meta.dirname ?? new URL(".", import.meta.url).pathname, ".."),
  appType: "custom",
  logLevel: "error",
  cacheDir: false,
  server: { middlewareMode: true, hmr: false, watch: null, ws: false },
  optimizeDeps: { noDiscovery: true, include: [] },
});
const runner = createServerModuleRunner(server.environments.ssr, { hmr: false });
try {
  await runner.import(resolve(process.cwd(), file));
} finally {
  await runner.close();
  await server.close();
}
