// Networks held in memory (tests, and inline configs). A definition without a namespace
// matches any namespace, like a conf dir network.
import type { NetworkDefinition, NetworkLookup, NetworkRef, NetworkSource } from "./types.js";

export function createMemorySource(definitions: readonly NetworkDefinition[], description = "memory"): NetworkSource {
  return {
    description,
    ready: () => true,
    async lookup(ref: NetworkRef, opts?: { signal?: AbortSignal }): Promise<NetworkLookup> {
      opts?.signal?.throwIfAborted();
      const found = definitions.find(
        (d) => d.name === ref.name && (d.namespace === undefined || d.namespace === ref.namespace),
      );
      return found ? { found } : { tried: [`${description}: no network ${ref.namespace}/${ref.name}`] };
    },
  };
}
