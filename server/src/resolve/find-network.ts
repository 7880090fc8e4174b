// Ask sources in order; the first that knows the network wins, otherwise collect every
// place they looked so the error can list them.
import { DaemonError } from "../errors/daemon-error.js";
import type { NetworkDefinition, NetworkLookup, NetworkRef, NetworkSource } from "./types.js";

export async function findInSources(
  sources: readonly NetworkSource[],
  ref: NetworkRef,
  signal?: AbortSignal,
): Promise<NetworkLookup> {
  const tried: string[] = [];
  if (sources.length === 0) tried.push("no NetworkAttachmentDefinition source is configured");
  for (const source of sources) {
    signal?.throwIfAborted();
    const r = await source.lookup(ref, signal === undefined ? undefined : { signal });
    if (r.found !== undefined) return r;
    tried.push(...r.tried);
  }
  return { tried };
}

export function notFoundError(what: string, network: string, source: string, tried: readonly string[]): DaemonError {
  // Each place once: a definition without spec.config sends the lookup to the conf dir, which
  // the configured-network order (and every such definition) then asks again.
  const list = [...new Set(tried)].map((t, i) => `(${i + 1}) ${t}`).join("; ");
  return new DaemonError("NETWORK_NOT_FOUND", `${what}: network ${network} not found; tried: ${list}`, {
    network,
    source,
    phase: "resolve",
  });
}

export function foundOrThrow(r: NetworkLookup, what: string, network: string, source: string): NetworkDefinition {
  if (r.found !== undefined) return r.found;
  throw notFoundError(what, network, source, r.tried);
}
