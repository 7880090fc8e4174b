// The pod annotation that asks for its secondary networks one after another (ADD and DEL).
import { SERIAL_NETWORKS_ANNOTATION } from "./annotations.js";
import { valueError } from "./selection-error.js";

/** The pod's SERIAL_NETWORKS_ANNOTATION: "true" asks for its secondaries one after another. */
export function serialRequested(annotations: Readonly<Record<string, string>>): boolean {
  const value = annotations[SERIAL_NETWORKS_ANNOTATION];
  if (value === undefined) return false;
  const v = value.trim().toLowerCase();
  if (v === "true") return true;
  if (v === "false" || v === "") return false;
  throw valueError(SERIAL_NETWORKS_ANNOTATION, `expected "true" or "false", got ${JSON.stringify(value.slice(0, 64))}`);
}
