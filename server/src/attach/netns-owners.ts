// A network namespace belongs to one sandbox. A second container's ADD into it would meet the
// first one's interface names, and its rollback (or an orphan's retries) would delete the first
// one's interfaces: so an ADD claims its namespace, and one that another container's saved
// attachment or orphan still holds is refused. Who holds what is kept in memory from every save
// and remove of both stores, read from disk once; a holder whose saved path no longer names the
// namespace (gone, its inode number reused) holds nothing.
import { DaemonError } from "../errors/daemon-error.js";
import { quoteInput } from "../errors/bounded-text.js";
import type { NetnsGuard, PinnedNetns } from "../netns/netns-guard.js";
import type { PodRef } from "./attachment-plan.js";
import type { AttachmentRecord, AttachmentStore } from "./attachment-store.js";

interface Holding {
  readonly netnsId: string;
  readonly path: string;
  readonly containerId: string;
  readonly pod: PodRef;
}

export interface NetnsOwners {
  /** The stores, wrapped: every save and remove goes through the index. */
  readonly attachments: AttachmentStore;
  readonly orphans: AttachmentStore;
  /** Claims the namespace for an ADD until released (its record holds it then); INVALID_NETNS naming its holder otherwise. */
  claim(
    pinned: PinnedNetns,
    add: { readonly netns: string; readonly containerId: string; readonly pod: PodRef },
  ): Promise<() => void>;
}

export function createNetnsOwners(
  stores: { readonly attachments: AttachmentStore; readonly orphans: AttachmentStore },
  guard: NetnsGuard,
): NetnsOwners {
  /** By store and container id ("a:<id>", "o:<id>"); claims of ADDs not saved yet by netns id. */
  const held = new Map<string, Holding>();
  const claims = new Map<string, Holding>();
  /** Keys saved or removed while the disk is read: what the listing read of them is older. */
  let touched: Set<string> | undefined;
  const hold = (key: string, record: AttachmentRecord): void => {
    if (record.netnsId === undefined) held.delete(key);
    else
      held.set(key, {
        netnsId: record.netnsId,
        path: record.plan.netns,
        containerId: record.plan.containerId,
        pod: record.plan.pod,
      });
  };
  const wrap = (prefix: string, store: AttachmentStore): AttachmentStore => ({
    ...store,
    async save(record) {
      await store.save(record);
      touched?.add(prefix + record.plan.containerId);
      hold(prefix + record.plan.containerId, record);
    },
    async remove(containerId) {
      await store.remove(containerId);
      touched?.add(prefix + containerId);
      held.delete(prefix + containerId);
    },
  });
  let loaded: Promise<void> | undefined;
  const load = (): Promise<void> =>
    (loaded ??= (async () => {
      touched = new Set();
      for (const [prefix, store] of [
        ["a:", stores.attachments],
        ["o:", stores.orphans],
      ] as const) {
        for (const { containerId, read } of await store.list()) {
          if (read.state === "found" && !touched.has(prefix + containerId)) hold(prefix + containerId, read.record);
        }
      }
    })()
      .catch((err: unknown) => {
        loaded = undefined; // read again next time
        throw err;
      })
      .finally(() => (touched = undefined)));
  const stillHolds = (h: Holding): boolean => {
    const now = guard.inspect(h.path);
    return now.ok && now.id === h.netnsId;
  };
  return {
    attachments: wrap("a:", stores.attachments),
    orphans: wrap("o:", stores.orphans),
    async claim(pinned, { netns: path, containerId, pod }) {
      await load();
      // From here to the claim nothing awaits: two ADDs into one namespace cannot both pass.
      const holders = [...held.values(), ...claims.values()].filter(
        (h) => h.netnsId === pinned.id && h.containerId !== containerId,
      );
      const holder = holders.find(stillHolds);
      if (holder !== undefined) {
        throw new DaemonError(
          "INVALID_NETNS",
          `netns ${quoteInput(path)} is already attached for container ${holder.containerId} (pod ${holder.pod.namespace}/${holder.pod.name}): a network namespace belongs to one sandbox; DEL that container first`,
          { phase: "add", source: "netns" },
        );
      }
      const mine: Holding = { netnsId: pinned.id, path, containerId, pod };
      claims.set(containerId, mine);
      return () => {
        if (claims.get(containerId) === mine) claims.delete(containerId);
      };
    },
  };
}
