// The hostPorts of ADDs in flight. The hostPort check reads other containers' saved records, and
// two ADDs planned at the same moment have saved none yet: both would pass with the same hostPort,
// and the second would answer "ok" for a dead mapping. So an ADD whose check passed claims its
// mappings at once (no await between check and claim) until it ends, however it ends; by then its
// record holds them, or it was rolled back. In memory: an ADD does not outlive the daemon. Bounded
// by the ADDs in flight (maxConcurrent), each by maxPortMappings.
// A claim released (its record saved) while another ADD awaited its reads is in neither what that
// ADD read nor the claims it checks: each release is counted per port, and an ADD whose ports'
// count moved during its reads reads again. One count per protocol/hostPort ever released.
import type { PortMapping } from "../../resolve/index.js";
import { protocolOf, type HeldMapping } from "./host-port-checks.js";

export interface HostPortClaims {
  /** An empty lease for one ADD (or hot-plug) of `containerId`; release it when the call ends. */
  lease(containerId: string): PortLease;
  /** For ResolveNetworks: sees the other calls' claims, as an ADD would, and claims nothing. */
  peek(containerId: string): PortLease;
}

export interface PortLease {
  /** Mappings the other containers' leases hold. */
  others(): HeldMapping[];
  /** Releases so far of claims on the protocol/hostPort of any of `mappings`; it only grows. */
  released(mappings: readonly PortMapping[]): number;
  /** Holds `held` until release; taken in the same turn as the check that passed. */
  take(held: readonly HeldMapping[]): void;
  /** Gives back what was taken; idempotent. */
  release(): void;
}

export function createHostPortClaims(): HostPortClaims {
  const leases = new Set<{ readonly containerId: string; held: readonly HeldMapping[] }>();
  const releases = new Map<string, number>();
  const others = (containerId: string) => () =>
    [...leases].flatMap((l) => (l.containerId === containerId ? [] : l.held));
  const released = (mappings: readonly PortMapping[]) =>
    [...new Set(mappings.map(portKey))].reduce((sum, key) => sum + (releases.get(key) ?? 0), 0);
  return {
    peek: (containerId) => ({
      others: others(containerId),
      released,
      take: () => undefined,
      release: () => undefined,
    }),
    lease(containerId) {
      const own = { containerId, held: [] as readonly HeldMapping[] };
      return {
        others: others(containerId),
        released,
        take: (held) => {
          own.held = [...held];
          leases.add(own);
        },
        release: () => {
          if (!leases.delete(own)) return;
          for (const key of new Set(own.held.map((h) => portKey(h.mapping))))
            releases.set(key, (releases.get(key) ?? 0) + 1);
        },
      };
    },
  };
}

/** Ports that may meet (hostIPs aside: a needless second read costs little). */
function portKey(m: PortMapping): string {
  return `${protocolOf(m)}/${m.hostPort}`;
}

/** Runs `fn` with a lease of `claims` (none when absent), released when `fn` settles. */
export async function withPortLease<T>(
  claims: HostPortClaims | undefined,
  containerId: string,
  fn: (lease: PortLease | undefined) => Promise<T>,
): Promise<T> {
  const lease = claims?.lease(containerId);
  try {
    return await fn(lease);
  } finally {
    lease?.release();
  }
}
