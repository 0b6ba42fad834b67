/** Which JavaScript runtime this process is, by its own globals (not by process.versions, which Bun and Deno fake). */
export function currentRuntime(): { name: "node" | "bun" | "deno"; version: string } {
  const g = globalThis as { Bun?: { version: string }; Deno?: { version: { deno: string } } };
  if (g.Bun) return { name: "bun", version: g.Bun.version };
  if (g.Deno) return { name: "deno", version: g.Deno.version.deno };
  return { name: "node", version: process.versions.node };
}
