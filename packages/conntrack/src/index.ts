export * from "./errors.js";
export { hashKey } from "./hash.js";
export * from "./table.js";
