// clusterNetwork / defaultNetworks from the daemon config (Multus order): a definition in
// the default namespace, then a conf dir network by name, then an absolute path.
// A plain name whose definition cannot be looked up because the API server is away
// (KUBE_API_UNAVAILABLE: not in the informer cache, and no live GET possible) falls back to the
// conf dir: a conf-named cluster network keeps ADD working through an outage. Only a
// definition created while the watch was broken could have shadowed that conf file.
import { isAbsolute } from "node:path";
import { isDaemonError } from "../errors/daemon-error.js";
import { findInSources, foundOrThrow } from "./find-network.js";
import { loadConfPath } from "./load-conf-path.js";
import type { NetworkDefinition, NetworkLookup, NetworkSource } from "./types.js";

export interface ConfiguredSources {
  readonly definitions: readonly NetworkSource[];
  readonly confDir: NetworkSource;
  readonly defaultNamespace: string;
  /** limits.maxDefinitionFileBytes, for a value that is a path. */
  readonly maxFileBytes?: number;
}

/** `value` is a name, `namespace/name`, or an absolute path; `source` names the config key. */
export async function resolveConfiguredNetwork(
  value: string,
  sources: ConfiguredSources,
  source: string,
  signal?: AbortSignal,
): Promise<NetworkDefinition> {
  if (isAbsolute(value)) return foundOrThrow(await loadConfPath(value, sources.maxFileBytes), source, value, source);

  const parts = value.split("/");
  if (parts.length > 2)
    return foundOrThrow(
      { tried: [`${JSON.stringify(value)} is neither a name, namespace/name nor an absolute path`] },
      source,
      value,
      source,
    );
  const qualified = parts.length === 2;
  const ref = qualified
    ? { namespace: parts[0] ?? "", name: parts[1] ?? "" }
    : { namespace: sources.defaultNamespace, name: value };
  const confDirLookup = (): Promise<NetworkLookup> =>
    sources.confDir.lookup(ref, signal === undefined ? undefined : { signal });
  let fromDefinitions: NetworkLookup;
  try {
    fromDefinitions = await findInSources(sources.definitions, ref, signal);
  } catch (err) {
    if (qualified || !isDaemonError(err) || err.code !== "KUBE_API_UNAVAILABLE") throw err;
    const fromConfDir = await confDirLookup();
    if (fromConfDir.found !== undefined) return fromConfDir.found;
    throw err; // nothing on disk either: the API server's absence is the reason to report
  }
  if (fromDefinitions.found !== undefined || qualified) return foundOrThrow(fromDefinitions, source, value, source);

  const fromConfDir = await confDirLookup();
  const tried = fromConfDir.found === undefined ? [...fromDefinitions.tried, ...fromConfDir.tried] : [];
  return foundOrThrow(fromConfDir.found === undefined ? { tried } : fromConfDir, source, value, source);
}
