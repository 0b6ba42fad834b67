import { readFileSync } from "node:fs";

/** colod's version, from its package.json (one directory above both src/ and dist/). */
export const VERSION: string = (() => {
  try {
    return JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version as string;
  } catch {
    return "0.0.0";
  }
})();
