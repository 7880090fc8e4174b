// What a benchmark must leave as it found it: host links, network namespaces, and per node the
// IPAM reservations, saved attachments, orphans and cached results. Printed, never asserted.
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { hostLinkNames, netnsNames } from "../helpers/host-leftovers.js";
import { ipamReservations } from "../helpers/host-net.js";

export interface HostSnapshot {
  readonly links: ReadonlySet<string>;
  readonly netns: ReadonlySet<string>;
}

export async function hostSnapshot(): Promise<HostSnapshot> {
  const [links, netns] = await Promise.all([hostLinkNames(), netnsNames()]);
  return { links, netns };
}

async function count(dir: string, suffix = ""): Promise<number> {
  return (await readdir(dir).catch(() => [])).filter((n) => n.endsWith(suffix)).length;
}

/** One line per kind of leftover: "links +0, netns +0, IPAM 0, attachments 0, orphans 0, cache 0". */
export async function leakReport(
  before: HostSnapshot,
  nodes: ReadonlyArray<{
    ipamDir: string;
    stateDir?: string;
    networks: readonly string[];
    bridges?: readonly string[];
  }>,
): Promise<{ line: string; clean: boolean }> {
  const after = await hostSnapshot();
  // A node's bridges are made by the bridge plugin on its first ADD and belong to the node.
  const own = new Set(nodes.flatMap((n) => n.bridges ?? []));
  const newLinks = [...after.links].filter((l) => !before.links.has(l) && !own.has(l));
  const newNetns = [...after.netns].filter((n) => !before.netns.has(n));
  let ipam = 0;
  let attachments = 0;
  let orphans = 0;
  let cache = 0;
  for (const n of nodes) {
    for (const net of n.networks) ipam += (await ipamReservations(n.ipamDir, net)).length;
    if (n.stateDir !== undefined) {
      attachments += await count(join(n.stateDir, "attachments"), ".json");
      orphans += await count(join(n.stateDir, "orphans"), ".json");
      cache += await count(join(n.stateDir, "cache", "results"));
    }
  }
  const clean = newLinks.length + newNetns.length + ipam + attachments + orphans + cache === 0;
  const links = newLinks.length > 0 ? ` (${newLinks.slice(0, 5).join(", ")})` : "";
  return {
    line: `new host links ${newLinks.length}${links}, new netns ${newNetns.length}, IPAM reservations ${ipam}, saved attachments ${attachments}, orphans ${orphans}, cached results ${cache}: ${clean ? "no leaks" : "LEAKS"}`,
    clean,
  };
}
