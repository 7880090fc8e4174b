// What a detach removed and what it orphaned for the reconciler, as detach and detach-network
// print it: one table, and a warning on stderr naming the orphans (the call succeeded: exit 0).
import { formatTable } from "./table.js";

interface Released {
  readonly interface: string;
  readonly network: string;
}

interface Orphaned extends Released {
  readonly cause: string;
}

/** INTERFACE / NETWORK / OUTCOME rows: removed first, then orphaned with their cause. */
export function detachOutcomeTable(res: {
  readonly removed: readonly Released[];
  readonly orphaned: readonly Orphaned[];
}): string {
  return formatTable(
    ["INTERFACE", "NETWORK", "OUTCOME"],
    [
      ...res.removed.map((r) => [r.interface, r.network, "removed"]),
      ...res.orphaned.map((o) => [o.interface, o.network, `orphaned: ${o.cause}`]),
    ],
  );
}

/** The stderr warning for `orphaned` of `containerId`; empty when there are none. */
export function orphanWarning(containerId: string, orphaned: readonly Orphaned[]): string {
  if (orphaned.length === 0) return "";
  const which = orphaned.map((o) => `${o.network}@${o.interface}`).join(", ");
  return `warning: ${orphaned.length} delegate(s) of ${containerId} could not be released (${which}): orphaned for the reconciler, which retries them (netattachctl list shows them, netattachctl gc retries them now)\n`;
}
