// netattach's own shim as a delegate: netattachd would exec netattach-cni, which calls netattachd
// back for the same container and waits for the lock the outer call holds until both time out,
// leaving an orphan whose DEL and CNI GC deadlock the same way. So no network may run it.
import type { JsonObject } from "../cni/index.js";
import { isJsonObject } from "../cni/index.js";
import { DaemonError } from "../errors/daemon-error.js";
import { describeOrigin } from "./describe-origin.js";
import type { ResolvedNetwork } from "./types.js";

/** The shim's plugin type: the binary `netattachctl install` puts in the CNI bin dir. */
export const SHIM_TYPE = "netattach-cni";

/** Where a chain (a conf, a conflist or its plugins) names the shim as plugin or IPAM plugin, or undefined. */
export function shimPlace(config: JsonObject | { readonly plugins: readonly unknown[] }): string | undefined {
  const plugins: readonly unknown[] = Array.isArray(config.plugins) ? config.plugins : [config];
  for (const [i, plugin] of plugins.entries()) {
    if (!isJsonObject(plugin)) continue;
    const which = Array.isArray(config.plugins) ? `plugin ${i + 1}` : "the conf";
    if (plugin.type === SHIM_TYPE) return `${which} has "type": "${SHIM_TYPE}"`;
    if (isJsonObject(plugin.ipam) && plugin.ipam.type === SHIM_TYPE)
      return `${which} has "ipam": {"type": "${SHIM_TYPE}"}`;
  }
  return undefined;
}

/** INVALID_NETWORK_CONFIG: `network` (from `source`) would run the shim; `place` says where. */
export function selfDelegationError(
  network: string,
  source: string,
  place: string,
  phase = "resolve",
  /** When the shim itself refused to run as a delegate: which plugin ran it, what it said. */
  found?: { readonly plugin?: string | undefined; readonly said: string; readonly cause: unknown },
): DaemonError {
  return new DaemonError(
    "INVALID_NETWORK_CONFIG",
    `network "${network}" (${source}): ${place}, netattach's own CNI shim: netattachd would call itself for the ` +
      `same container and wait for its own lock; a network delegates to real plugins, never to netattach` +
      (found !== undefined ? ` (the shim said: ${found.said})` : ""),
    { network, source, phase, ...(found?.plugin !== undefined ? { plugin: found.plugin } : {}) },
    found !== undefined ? { cause: found.cause } : undefined,
  );
}

/** Throws when the resolved network's chain names the shim by type. */
export function refuseSelfDelegation(resolved: ResolvedNetwork): ResolvedNetwork {
  const place = shimPlace(resolved.definition.config);
  if (place !== undefined)
    throw selfDelegationError(resolved.network, describeOrigin(resolved.definition.origin), place);
  return resolved;
}
