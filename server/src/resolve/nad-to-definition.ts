// NetworkAttachmentDefinition → network (NAD client GetCNIConfig, multi-net spec 3.4):
// spec.config when present (its `name` defaulting to the definition's), else the conf dir
// network with the definition's name.
import { DaemonError } from "../errors/daemon-error.js";
import { ANY_CONF_DIR_FALLBACK, fallbackRefusal, type ConfDirFallback } from "./conf-dir-fallback.js";
import { parseNetworkConfigText } from "./network-config-check.js";
import { NAD_KIND, type NadRecord } from "./nad-object.js";
import type { NetworkLookup, NetworkSource } from "./types.js";

export function describeNad(nad: Pick<NadRecord, "namespace" | "name" | "manifestPath">): string {
  const file = nad.manifestPath === undefined ? "" : ` (file ${nad.manifestPath})`;
  return `${NAD_KIND} ${nad.namespace}/${nad.name}${file}`;
}

export async function nadToDefinition(
  nad: NadRecord,
  confDir: NetworkSource,
  opts?: { signal?: AbortSignal; fallback?: ConfDirFallback },
): Promise<NetworkLookup> {
  const network = `${nad.namespace}/${nad.name}`;
  const fail = (problem: string, cause?: unknown): DaemonError =>
    new DaemonError(
      "INVALID_NETWORK_CONFIG",
      `${describeNad(nad)}: ${problem}`,
      { network, source: describeNad(nad), phase: "resolve" },
      cause === undefined ? undefined : { cause },
    );
  if (nad.problem !== undefined) throw fail(nad.problem);
  const common = {
    namespace: nad.namespace,
    name: nad.name,
    ...(nad.resourceName === undefined ? {} : { resourceName: nad.resourceName }),
  };
  const manifest = nad.manifestPath === undefined ? {} : { manifestPath: nad.manifestPath };

  if (nad.config !== undefined) {
    const parsed = parseNetworkConfigText(nad.config);
    if ("problem" in parsed) throw fail(`spec.config ${parsed.problem}`, parsed.cause);
    // Spec 3.4.2: a config without a name takes the definition's.
    const config = parsed.config.name === undefined ? { name: nad.name, ...parsed.config } : parsed.config;
    return {
      found: {
        ...common,
        config,
        origin: {
          kind: "network-attachment-definition",
          namespace: nad.namespace,
          name: nad.name,
          ...manifest,
          configFrom: "spec.config",
        },
      },
    };
  }

  const refusal = fallbackRefusal(opts?.fallback ?? ANY_CONF_DIR_FALLBACK, nad.namespace);
  if (refusal !== undefined) throw fail(refusal);
  const fromDir = await confDir.lookup(
    { namespace: nad.namespace, name: nad.name },
    opts?.signal === undefined ? {} : { signal: opts.signal },
  );
  if (fromDir.found === undefined) {
    return {
      tried: [
        `${describeNad(nad)} has no spec.config, so a conf/conflist named ${JSON.stringify(nad.name)} was looked for`,
        ...fromDir.tried,
      ],
    };
  }
  const confPath = fromDir.found.origin.kind === "conf-file" ? { confPath: fromDir.found.origin.path } : {};
  return {
    found: {
      ...common,
      config: fromDir.found.config,
      origin: {
        kind: "network-attachment-definition",
        namespace: nad.namespace,
        name: nad.name,
        ...manifest,
        configFrom: "conf-file",
        ...confPath,
      },
    },
  };
}
