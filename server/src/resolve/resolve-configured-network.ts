// clusterNetwork / defaultNetworks from the daemon config (Multus order): a definition in
// the default namespace, then a conf dir network by name, then an absolute path.
import { isAbsolute } from "node:path";
import { findInSources, foundOrThrow } from "./find-network.js";
import { loadConfPath } from "./load-conf-path.js";
import type { NetworkDefinition, NetworkSource } from "./types.js";

export interface ConfiguredSources {
  readonly definitions: readonly NetworkSource[];
  readonly confDir: NetworkSource;
  readonly defaultNamespace: string;
}

/** `value` is a name, `namespace/name`, or an absolute path; `source` names the config key. */
export async function resolveConfiguredNetwork(value: string, sources: ConfiguredSources, source: string, signal?: AbortSignal): Promise<NetworkDefinition> {
  if (isAbsolute(value)) return foundOrThrow(await loadConfPath(value), source, value, source);

  const parts = value.split("/");
  if (parts.length > 2) return foundOrThrow({ tried: [`${JSON.stringify(value)} is neither a name, namespace/name nor an absolute path`] }, source, value, source);
  const qualified = parts.length === 2;
  const ref = qualified ? { namespace: parts[0] ?? "", name: parts[1] ?? "" } : { namespace: sources.defaultNamespace, name: value };
  const fromDefinitions = await findInSources(sources.definitions, ref, signal);
  if (fromDefinitions.found !== undefined || qualified) return foundOrThrow(fromDefinitions, source, value, source);

  const fromConfDir = await sources.confDir.lookup(ref, signal === undefined ? undefined : { signal });
  const tried = fromConfDir.found === undefined ? [...fromDefinitions.tried, ...fromConfDir.tried] : [];
  return foundOrThrow(fromConfDir.found === undefined ? { tried } : fromConfDir, source, value, source);
}
