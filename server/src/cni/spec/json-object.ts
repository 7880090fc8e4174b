// The one test for "a JSON object" (not null, not an array) used by every reader of JSON or
// YAML input: configs, results, annotations, the shim's stdin.
import type { JsonObject } from "./types.js";

export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
