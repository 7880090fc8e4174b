export * from "./errors.js";
export * from "./version.js";
export * from "./validate.js";
export * from "./cni-args.js";
export * from "./capability-args.js";
export * from "./json-object.js";
export * from "./well-formed.js";
export * from "./plugin-run-mark.js";
