export * from "./addr.js";
export * from "./build.js";
export * from "./checksum.js";
export * from "./errors.js";
export { type EtherSpec, EtherType } from "./ether.js";
export * from "./parse.js";
export * from "./pcap.js";
export * from "./seq.js";
export * from "./types.js";
