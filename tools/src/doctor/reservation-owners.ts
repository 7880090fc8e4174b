// Who may own a host-local reservation: netattachd's saved attachments (and the records it cannot
// read, which the stale-state check reports), its cluster network's name, and the container
// runtime's own sandbox list — the truth the reconciler uses (reconcile.runtimeSocket), asked once.
import type { DaemonConfig } from "../../../server/src/config/index.js";
import { createCriSandboxes } from "../../../server/src/reconcile/cri-sandboxes.js";
import type { DaemonClient } from "../daemon-client.js";
import type { CallOptions } from "./daemon-checks.js";
import type { ReservationOwners } from "./ipam-reservations-check.js";

export async function reservationOwners(
  client: DaemonClient,
  config: Pick<DaemonConfig, "reconcile">,
  opts: CallOptions,
): Promise<ReservationOwners> {
  const status = await client.api.getStatus({}, opts);
  const { attachments, unreadable } = await client.api.listAttachments(
    { podNamespace: "", podName: "", containerId: "" },
    opts,
  );
  const recorded = new Set([...attachments, ...unreadable].map((a) => a.containerId));
  return { recorded, clusterNetwork: status.clusterNetwork?.name, sandboxes: await sandboxes(config, opts) };
}

async function sandboxes(
  config: Pick<DaemonConfig, "reconcile">,
  opts: CallOptions,
): Promise<ReservationOwners["sandboxes"]> {
  const socket = config.reconcile.runtimeSocket;
  if (socket === "") return { why: "no container runtime socket configured (reconcile.runtimeSocket)" };
  const cri = createCriSandboxes(socket, { timeoutMs: Math.max(1, opts.deadline.getTime() - Date.now()) });
  try {
    const listed = await cri.list(opts.signal ?? new AbortController().signal);
    return listed.ok ? { ids: listed.ids, runtime: listed.runtime } : { why: listed.why };
  } finally {
    cri.close();
  }
}
