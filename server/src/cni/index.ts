// Curated public surface of the CNI runtime. Code outside server/src/cni imports only this file.
export * from "./spec/errors.js";
export type * from "./types.js";
