// Which networks does a pod get? The cluster network (or the pod's default-network
// annotation) first, then defaultNetworks, then the selected networks in order.
import { DEFAULT_NETWORK_ANNOTATION, NETWORKS_ANNOTATION } from "./annotations.js";
import { findInSources, foundOrThrow } from "./find-network.js";
import { checkNamespaceAllowed } from "./namespace-policy.js";
import { networkDisplayName } from "./network-display-name.js";
import { checkSelections, parseNetworkSelections } from "./parse-network-selections.js";
import { parseSelectionElement, selectionToElement } from "./parse-selection-element.js";
import { resolveConfiguredNetwork } from "./resolve-configured-network.js";
import { describePlace, valueError } from "./selection-error.js";
import { refuseSelfDelegation } from "./self-delegation.js";
import { DEFAULT_INPUT_LIMITS } from "../limits/input-limits.js";
import type {
  NetworkDefinition,
  NetworkResolver,
  NetworkSelection,
  NetworkSource,
  PodNetworkQuery,
  ResolvedNetwork,
  SelectionConfig,
} from "./types.js";

export interface NetworkResolverOptions {
  readonly sources: {
    /** NetworkAttachmentDefinition sources, asked in order (Kubernetes, manifest dir, memory). */
    readonly definitions: readonly NetworkSource[];
    /** The conf dir, for clusterNetwork/defaultNetworks given by conf name. */
    readonly confDir: NetworkSource;
  };
  readonly config: SelectionConfig;
}

/** Request selections are checked like the annotation and reported under this name. */
export const REQUEST_SELECTIONS = "request selections";

type Pending = () => Promise<ResolvedNetwork>;

export function createNetworkResolver(options: NetworkResolverOptions): NetworkResolver {
  const { config } = options;
  const limits = config.limits ?? DEFAULT_INPUT_LIMITS;
  const { definitions, confDir } = options.sources;
  const configured = {
    definitions,
    confDir,
    defaultNamespace: config.defaultNamespace,
    maxFileBytes: config.limits?.maxDefinitionFileBytes,
  };

  function configuredNetwork(
    role: "cluster" | "default",
    value: string,
    source: string,
    signal?: AbortSignal,
  ): Pending {
    return async () => {
      const definition = await resolveConfiguredNetwork(value, configured, source, signal);
      const selection: NetworkSelection = {
        name: definition.name,
        ...(definition.namespace === undefined ? {} : { namespace: definition.namespace }),
      };
      return refuseSelfDelegation({ role, network: networkDisplayName(definition), selection, definition });
    };
  }

  function selectedNetwork(
    role: "cluster" | "selected",
    selection: NetworkSelection,
    source: string,
    index: number,
    signal?: AbortSignal,
    note = "",
  ): Pending {
    return async () => {
      const ref = { namespace: selection.namespace as string, name: selection.name };
      const what = describePlace({ source, index, label: selection.name }) + note;
      const definition: NetworkDefinition = foundOrThrow(
        await findInSources(definitions, ref, signal),
        what,
        `${ref.namespace}/${ref.name}`,
        source,
      );
      return refuseSelfDelegation({ role, network: networkDisplayName(definition), selection, definition });
    };
  }

  /** The pod's default-network annotation (exactly one definition) or the configured cluster network. */
  function clusterNetwork(query: Pick<PodNetworkQuery, "namespace" | "annotations">, signal?: AbortSignal): Pending {
    const value = query.annotations[DEFAULT_NETWORK_ANNOTATION];
    if (value !== undefined && value.trim() !== "") {
      // Parsed with no default namespace, so an unqualified name can be told apart and its error can say where the namespace came from.
      const selections = parseNetworkSelections(value, "", DEFAULT_NETWORK_ANNOTATION, {
        ...limits,
        maxElements: limits.maxNetworksPerPod,
      });
      const [parsed] = selections;
      if (parsed === undefined || selections.length !== 1)
        throw valueError(DEFAULT_NETWORK_ANNOTATION, `must name exactly one network, got ${selections.length}`);
      const unqualified = parsed.namespace === "";
      const only = unqualified ? { ...parsed, namespace: config.defaultNamespace } : parsed;
      checkAllowed(query.namespace, only, DEFAULT_NETWORK_ANNOTATION, 1);
      const note = unqualified
        ? ` (no namespace given: looked up in the daemon's defaultNamespace "${config.defaultNamespace}")`
        : "";
      return selectedNetwork("cluster", only, DEFAULT_NETWORK_ANNOTATION, 1, signal, note);
    }
    return configuredClusterNetwork(signal);
  }

  function configuredClusterNetwork(signal?: AbortSignal): Pending {
    if (config.clusterNetwork.trim() === "")
      throw valueError("daemon config clusterNetwork", "is empty, so pods have no cluster network");
    return configuredNetwork("cluster", config.clusterNetwork.trim(), "daemon config clusterNetwork", signal);
  }

  function checkAllowed(podNamespace: string, sel: NetworkSelection, source: string, index: number): void {
    const target = { namespace: sel.namespace as string, name: sel.name };
    checkNamespaceAllowed(config, podNamespace, target, {
      source,
      element: `element ${index} (${JSON.stringify(sel.name)})`,
    });
  }

  /** The pod's own selections, bounded by what the cluster and default networks leave of limits.maxNetworksPerPod. */
  function podSelections(query: PodNetworkQuery, others: number): { selections: NetworkSelection[]; source: string } {
    const bounds = { ...limits, maxElements: Math.max(0, limits.maxNetworksPerPod - others) };
    if (query.selections !== undefined)
      return {
        selections: checkSelections(query.selections, query.namespace, REQUEST_SELECTIONS, bounds),
        source: REQUEST_SELECTIONS,
      };
    const value = query.annotations[NETWORKS_ANNOTATION] ?? "";
    return {
      selections: parseNetworkSelections(value, query.namespace, NETWORKS_ANNOTATION, bounds),
      source: NETWORKS_ANNOTATION,
    };
  }

  return {
    async resolve(query, opts) {
      const signal = opts?.signal;
      signal?.throwIfAborted();
      // Every input is checked before any lookup, so a bad annotation fails fast and alone.
      const pending: Pending[] = [clusterNetwork(query, signal)];
      if (!config.systemNamespaces.includes(query.namespace)) {
        config.defaultNetworks.forEach((name, i) =>
          pending.push(configuredNetwork("default", name.trim(), `daemon config defaultNetworks[${i}]`, signal)),
        );
      }
      const { selections, source } = podSelections(query, pending.length);
      selections.forEach((sel, i) => {
        checkAllowed(query.namespace, sel, source, i + 1);
        pending.push(selectedNetwork("selected", sel, source, i + 1, signal));
      });

      // Look up concurrently, but report the first failure in attach order.
      const settled = await Promise.allSettled(pending.map((run) => run()));
      const failed = settled.find((s) => s.status === "rejected");
      if (failed !== undefined) throw failed.reason;
      return settled.map((s) => (s as PromiseFulfilledResult<ResolvedNetwork>).value);
    },

    // Only the new network: the pod's cluster and default networks are saved with its sandbox.
    async resolveSelection({ namespace, selection, place }, opts) {
      opts?.signal?.throwIfAborted();
      const sel = parseSelectionElement(selectionToElement(selection), namespace, place);
      checkAllowed(namespace, sel, place.source, place.index);
      return selectedNetwork("selected", sel, place.source, place.index, opts?.signal)();
    },

    async resolveClusterNetwork(opts) {
      opts?.signal?.throwIfAborted();
      const pod = opts?.pod;
      return (pod === undefined ? configuredClusterNetwork(opts?.signal) : clusterNetwork(pod, opts?.signal))();
    },
  };
}
