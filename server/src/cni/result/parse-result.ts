// Parse a plugin's stdout JSON into a CniResult (libcni fixupResultVersion + create.Create).

import { CniError, CniErrorCode } from "../spec/errors.js";
import type { CniResult } from "../spec/types.js";
import { isJsonObject } from "../spec/json-object.js";
import { ShapeError, describeValue } from "./shape.js";
import { validateResultShape } from "./validate-result.js";
import { resultFamily } from "./versions.js";

function badOutput(msg: string, plugin: string | undefined, cause?: unknown): CniError {
  return new CniError({
    kind: "bad-output",
    code: CniErrorCode.DecodeFailure,
    msg: `invalid CNI result: ${msg}`, // the plugin name is prefixed by CniError
    ...(plugin !== undefined ? { plugin } : {}),
    ...(cause !== undefined ? { cause } : {}),
  });
}

/**
 * Validate `raw` (parsed stdout) for its version's shape. A missing or empty cniVersion
 * means `configVersion`. Returns a deep copy carrying its cniVersion; unknown keys kept.
 */
export function parseResult(raw: unknown, configVersion: string, plugin?: string): CniResult {
  const version = checkResult(raw, configVersion, plugin);
  return { ...structuredClone(raw as object), cniVersion: version };
}

/**
 * parseResult for a value nobody else holds (stdout just parsed): no deep copy, the
 * result shares its nested objects with `raw`.
 */
export function adoptResult(raw: unknown, configVersion: string, plugin?: string): CniResult {
  const version = checkResult(raw, configVersion, plugin);
  return { ...(raw as object), cniVersion: version };
}

/** The result's version once its shape is valid for it. */
function checkResult(raw: unknown, configVersion: string, plugin: string | undefined): string {
  if (!isJsonObject(raw)) throw badOutput(`expected a JSON object, got ${describeValue(raw)}`, plugin);
  const declared = raw["cniVersion"];
  if (declared !== undefined && declared !== null && typeof declared !== "string") {
    throw badOutput(`cniVersion must be a string, got ${describeValue(declared)}`, plugin);
  }
  const version = typeof declared === "string" && declared !== "" ? declared : configVersion;
  const family = resultFamily(version);
  if (family === undefined) throw badOutput(`unsupported CNI result version "${version}"`, plugin);
  try {
    validateResultShape(raw, family);
  } catch (err) {
    if (err instanceof ShapeError) throw badOutput(`${err.message} (CNI ${version} result)`, plugin, err);
    throw err;
  }
  return version;
}
