// Raw conflist (or single-plugin conf) → NetworkConfigList (libcni ConfListFromBytes /
// ConfListFromConf). Only reads: the raw object is kept whole so unknown keys survive.
import type { JsonObject, NetworkConfigList, PluginConf } from "../spec/types.js";
import { CniError, CniErrorCode } from "../spec/errors.js";
import { shown, validateNetworkName } from "../spec/validate.js";
import { selectConfigVersion } from "../spec/version.js";

export function parseNetworkConfigList(input: Buffer | string | object, source?: string): NetworkConfigList {
  const raw = toObject(input, source);
  if (!("plugins" in raw) && typeof raw.type === "string") return fromSingleConf(raw, source);
  const name = readName(raw, source);
  const plugins = raw.plugins;
  if (plugins === undefined) throw invalid(`no "plugins" key in network configuration list ${shown(name)}`, source);
  if (!Array.isArray(plugins)) throw invalid(`"plugins" must be a list, got ${typeName(plugins)}`, source);
  if (plugins.length === 0) throw invalid(`no plugins in network configuration list ${shown(name)}`, source);
  const loadOnlyInlinedPlugins = readBool(raw, "loadOnlyInlinedPlugins", source);
  return {
    name,
    cniVersion: selectConfigVersion(raw.cniVersion, raw.cniVersions, source),
    disableCheck: readBool(raw, "disableCheck", source),
    disableGC: readBool(raw, "disableGC", source),
    ...(loadOnlyInlinedPlugins ? { loadOnlyInlinedPlugins } : {}),
    plugins: plugins.map((p: unknown, i) => checkPlugin(p, i, source)),
    raw,
    ...(source !== undefined ? { source } : {}),
  };
}

/** A `.conf` holding one plugin becomes a one-plugin list; the plugin keeps every key. */
function fromSingleConf(conf: JsonObject, source: string | undefined): NetworkConfigList {
  const name = readName(conf, source);
  const cniVersion = conf.cniVersion;
  if (cniVersion !== undefined && typeof cniVersion !== "string")
    throw invalid(`invalid type for cniVersion: ${typeName(cniVersion)}`, source);
  const plugin = checkPlugin(conf, 0, source);
  const raw: JsonObject = { ...(cniVersion !== undefined ? { cniVersion } : {}), name, plugins: [conf] };
  return {
    name,
    cniVersion: selectConfigVersion(cniVersion, undefined, source),
    disableCheck: false,
    disableGC: false,
    plugins: [plugin],
    raw,
    ...(source !== undefined ? { source } : {}),
  };
}

function toObject(input: Buffer | string | object, source: string | undefined): JsonObject {
  let value: unknown = input;
  if (typeof input === "string" || Buffer.isBuffer(input)) {
    try {
      value = JSON.parse(input.toString());
    } catch (err) {
      throw new CniError({
        kind: "invalid-config",
        code: CniErrorCode.DecodeFailure,
        msg: `error parsing network configuration${source !== undefined ? ` ${source}` : ""}: ${(err as Error).message}`,
        ...(source !== undefined ? { source } : {}),
        cause: err,
      });
    }
  }
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw invalid(`network configuration must be a JSON object, got ${typeName(value)}`, source);
  return value as JsonObject;
}

function readName(raw: JsonObject, source: string | undefined): string {
  if (raw.name === undefined || raw.name === "") throw invalid(`missing network name`, source);
  if (typeof raw.name !== "string") throw invalid(`invalid type for "name": ${typeName(raw.name)}`, source);
  validateNetworkName(raw.name, source);
  return raw.name;
}

function checkPlugin(p: unknown, i: number, source: string | undefined): PluginConf {
  if (p === null || typeof p !== "object" || Array.isArray(p))
    throw invalid(`plugin ${i} must be a JSON object, got ${typeName(p)}`, source);
  const type = (p as JsonObject).type;
  if (typeof type !== "string" || type === "") throw invalid(`plugin ${i} has no "type"`, source);
  const caps = (p as JsonObject).capabilities;
  if (caps !== undefined && (caps === null || typeof caps !== "object" || Array.isArray(caps))) {
    throw invalid(`plugin ${i} (${shown(type)}): "capabilities" must be an object of booleans`, source);
  }
  return p as PluginConf;
}

// libcni readBool accepts JSON booleans and the strconv.ParseBool strings.
const TRUE = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const FALSE = new Set(["0", "f", "F", "FALSE", "false", "False"]);

function readBool(raw: JsonObject, key: string, source: string | undefined): boolean {
  const v = raw[key];
  if (v === undefined) return false;
  if (typeof v === "boolean") return v;
  if (typeof v === "string" && TRUE.has(v)) return true;
  if (typeof v === "string" && FALSE.has(v)) return false;
  throw invalid(
    `"${key}" must be a boolean or "true"/"false", got ${typeof v === "string" ? shown(v) : typeName(v)}`,
    source,
  );
}

function invalid(msg: string, source: string | undefined): CniError {
  return new CniError({
    kind: "invalid-config",
    code: CniErrorCode.InvalidNetworkConfig,
    msg: source !== undefined ? `${msg} (in ${source})` : msg,
    ...(source !== undefined ? { source } : {}),
  });
}

function typeName(v: unknown): string {
  if (v === null) return "null";
  return Array.isArray(v) ? "list" : typeof v;
}
