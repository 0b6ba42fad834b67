#!/usr/bin/env node
// Runs a TypeScript module of this monorepo under the current runtime (node, bun or deno) without a build:
// Vite's module runner transforms it with the same aliases vitest uses (workspace packages -> src).
// Used by the fail-open test (a child that attaches and is killed) and by the capture benchmark.
//   node packages/capture/scripts/run-ts.mjs FILE.ts [args...]
//   bun packages/capture/scripts/run-ts.mjs ... | deno run -A packages/capture/scripts/run-ts.mjs ...
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createServer, createServerModuleRunner } from "vite";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const file = process.argv[2];
if (!file) {
  console.error("usage: run-ts.mjs FILE.ts [args...]");
  process.exit(2);
}
const server = await createServer({
  root,
  configFile: resolve(root, "vitest.config.ts"),
  appType: "custom",
  logLevel: "error",
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
