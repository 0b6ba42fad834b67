import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Workspace packages resolve to their TypeScript sources under test, so a test never runs stale `dist/`
// code. Processes the tests spawn (the daemon) run the built `dist/` like an installed package.
const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      {
        find: /^@colod\/(wire|packet|conntrack|compare|notify|capture)$/,
        replacement: src("./packages/$1/src/index.ts"),
      },
      { find: /^libbpf-ts$/, replacement: src("./packages/libbpf-ts/src/index.ts") },
    ],
  },
  test: {
    include: [
      "packages/*/src/**/*.test.ts",
      "apps/*/src/**/*.test.ts",
      "tools/*/src/**/*.test.ts",
      "test/**/*.test.ts",
    ],
    exclude: ["**/node_modules/**", "**/dist/**"],
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ["default"],
  },
});
