// The hostPorts of ADDs in flight. The hostPort check reads other containers' saved records, and
// two ADDs planned at the same moment have saved none yet: both would pass with the same hostPort,
// and the second would answer "ok" for a dead mapping. So an ADD whose check passed claims its
// mappings at once (no await between check and claim) until it ends, however it ends; by then its
// record holds them, or it was rolled back. In memory: an ADD does not outlive the daemon. Bounded
// by the ADDs in flight (maxConcurrent), each by maxPortMappings.
// A claim released (its record saved) while another ADD awaited its reads is in neither what that
// ADD read nor the claims it checks: a read notes the releases of claims that meet its mappings
// (protocol, hostPort, hostIPs as the check has them), and one that saw such a release reads again.
// Bounded by the reads in flight.
import type { PortMapping } from "../../resolve/index.js";
import { mappingsMeet, type HeldMapping } from "./host-port-checks.js";

export interface HostPortClaims {
  /** An empty lease for one ADD (or hot-plug) of `containerId`; release it when the call ends. */
  lease(containerId: string): PortLease;
  /** For ResolveNetworks: sees the other calls' claims, as an ADD would, and claims nothing. */
  peek(containerId: string): PortLease;
}

export interface PortLease {
  /** Mappings the other containers' leases hold. */
  others(): HeldMapping[];
  /**
   * Runs `read` and watches until `end()`: `released()` tells whether a claim that meets one of
   * `mappings` was released since the read began. The caller ends the watch once it has checked,
   * so a release between the read's end and the caller's next turn is not missed.
   */
  whileReading<T>(mappings: readonly PortMapping[], read: () => Promise<T>): Promise<PortRead<T>>;
  /** Holds `held` until release; taken in the same turn as the check that passed. */
  take(held: readonly HeldMapping[]): void;
  /** Gives back what was taken; idempotent. */
  release(): void;
}

/** A read of the node's ports, and the watch on releases that went with it (PortLease.whileReading). */
export interface PortRead<T> {
  readonly value: T;
  released(): boolean;
  /** Stops watching; idempotent. */
  end(): void;
}

/** A read with nothing to watch (no claims kept: a call without a lease). */
export async function unwatchedRead<T>(read: () => Promise<T>): Promise<PortRead<T>> {
  return { value: await read(), released: () => false, end: () => undefined };
}

export function createHostPortClaims(): HostPortClaims {
  const leases = new Set<{ readonly containerId: string; held: readonly HeldMapping[] }>();
  const reads = new Set<{ readonly mappings: readonly PortMapping[]; released: boolean }>();
  const others = (containerId: string) => () =>
    [...leases].flatMap((l) => (l.containerId === containerId ? [] : l.held));
  const whileReading: PortLease["whileReading"] = async (mappings, read) => {
    const watch = { mappings, released: false };
    reads.add(watch);
    try {
      const value = await read();
      return { value, released: () => watch.released, end: () => void reads.delete(watch) };
    } catch (err) {
      reads.delete(watch);
      throw err;
    }
  };
  return {
    peek: (containerId) => ({
      others: others(containerId),
      whileReading,
      take: () => undefined,
      release: () => undefined,
    }),
    lease(containerId) {
      const own = { containerId, held: [] as readonly HeldMapping[] };
      return {
        others: others(containerId),
        whileReading,
        take: (held) => {
          own.held = [...held];
          leases.add(own);
        },
        release: () => {
          if (!leases.delete(own)) return;
          for (const r of reads)
            if (own.held.some((h) => r.mappings.some((m) => mappingsMeet(h.mapping, m)))) r.released = true;
        },
      };
    },
  };
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
