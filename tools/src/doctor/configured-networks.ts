// Every network the daemon's own config defines on this node: each conf/conflist of its conf
// dir, each definition of its definitions dir, and a clusterNetwork or defaultNetworks entry given
// as an absolute path, resolved by the daemon's own sources and loader (so a definition without
// spec.config gets its conf dir file, and a directory path its first config, exactly as at ADD).
import { isAbsolute, resolve } from "node:path";
import {
  createConfDirSource,
  createDefinitionDirSource,
  createDirReader,
  loadConfPath,
  MANIFEST_EXTENSIONS,
  parseConfFile,
  parseNadManifest,
  type NetworkLookup,
} from "../../../server/src/resolve/index.js";
import type { DaemonConfig } from "../../../server/src/config/index.js";
import { CONF_EXTENSIONS, isJsonObject, type JsonObject } from "../../../server/src/cni/index.js";

export interface ConfiguredNetwork {
  /** "name" (conf dir) or "namespace/name" (definition). */
  readonly name: string;
  /** Where it is defined, for messages. */
  readonly where: string;
  /** The conf/conflist file it is, for `netattachctl cni del`; absent for definitions. */
  readonly confFile?: string;
  /** The CNI config, or why it could not be resolved. */
  readonly config: JsonObject | { readonly problem: string };
}

export async function configuredNetworks(
  config: Pick<DaemonConfig, "cniConfDir" | "definitionsDir" | "clusterNetwork" | "defaultNetworks" | "limits">,
): Promise<ConfiguredNetwork[]> {
  const out: ConfiguredNetwork[] = [];
  const confSource = createConfDirSource(config.cniConfDir);
  const confSnap = await createDirReader(config.cniConfDir, CONF_EXTENSIONS, parseConfFile).read();
  for (const f of confSnap.files) {
    if (f.parsed.kind === "invalid")
      out.push({ name: f.parsed.probableName, where: f.path, config: { problem: f.parsed.problem } });
    else if (f.parsed.name !== undefined)
      out.push({ name: f.parsed.name, where: f.path, confFile: f.path, config: f.parsed.config });
  }
  const listed = new Set(confSnap.files.map((f) => resolve(f.path)));
  for (const value of new Set([config.clusterNetwork, ...config.defaultNetworks].filter((v) => isAbsolute(v)))) {
    const network = await pathNetwork(value, config.limits.maxDefinitionFileBytes);
    if (network.confFile === undefined || !listed.has(resolve(network.confFile))) out.push(network);
  }
  if (config.definitionsDir !== undefined) {
    const source = createDefinitionDirSource({ dir: config.definitionsDir, confDir: confSource });
    const snap = await createDirReader(config.definitionsDir, MANIFEST_EXTENSIONS, parseNadManifest).read();
    for (const record of snap.files.flatMap((f) => f.parsed.records)) {
      const name = `${record.namespace}/${record.name}`;
      out.push({
        name,
        where: record.manifestPath ?? config.definitionsDir,
        config: await resolvedConfig(() => source.lookup({ namespace: record.namespace, name: record.name })),
      });
    }
  }
  return out;
}

/** A network named by its file (or directory) path; its CNI name when it loads, else the path. */
async function pathNetwork(path: string, maxBytes: number): Promise<ConfiguredNetwork> {
  try {
    const loaded = await loadConfPath(path, maxBytes);
    if (loaded.found === undefined) return { name: path, where: path, config: { problem: loaded.tried.join("; ") } };
    const { found } = loaded;
    const file = found.origin.kind === "conf-file" ? found.origin.path : path;
    return { name: found.name, where: file, confFile: file, config: found.config };
  } catch (err) {
    return { name: path, where: path, config: { problem: err instanceof Error ? err.message : String(err) } };
  }
}

/** A definition's CNI config as the daemon resolves it at ADD, or why it cannot be. */
export async function resolvedConfig(find: () => Promise<NetworkLookup>): Promise<JsonObject | { problem: string }> {
  try {
    const found = await find();
    return found.found ? found.found.config : { problem: found.tried.join("; ") };
  } catch (err) {
    return { problem: err instanceof Error ? err.message : String(err) };
  }
}

/** Plugin types a config runs: each plugin and each plugin's IPAM plugin, in order. */
export function pluginTypes(config: JsonObject): string[] {
  const plugins = Array.isArray(config.plugins) ? config.plugins : [config];
  const types: string[] = [];
  for (const p of plugins) {
    if (typeof p !== "object" || p === null || Array.isArray(p)) continue;
    const plugin = p as JsonObject;
    if (typeof plugin.type === "string") types.push(plugin.type);
    const ipam = plugin.ipam;
    if (isJsonObject(ipam) && typeof ipam.type === "string") types.push(ipam.type);
  }
  return types;
}
