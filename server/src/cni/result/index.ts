export { parseResult } from "./parse-result.js";
export { convertResult } from "./convert-result.js";
export { withSandbox } from "./sandbox.js";
export { resultFamily, type ResultFamily } from "./versions.js";
export {
  toResult100,
  type Result100,
  type Interface100,
  type IPConfig100,
  type Route100,
  type DNS100,
} from "./result100.js";
