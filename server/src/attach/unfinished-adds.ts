// ADDs a previous netattachd never finished: it died between saving the record ("attaching")
// and its last plugin or its rollback. Their interfaces and addresses may be in place, and a
// retried ADD is refused while the record exists, so they are rolled back before the first
// call is served, through DEL's own path (the saved plan, the pinned netns): the runtime's
// retry then starts clean, and its DEL finds nothing left.
// The same for a hot-plug or hot-unplug it never finished: an attached record holding a delegate
// with no result — saved before its ADD ran (the result is saved once the hot-plug is complete,
// attach-network.ts), or saved without it before its DEL ran (detach-network.ts) — whose ADD, DEL or
// rollback was cut off by the daemon's death. That delegate
// alone goes, through DetachNetwork's path; the pod's other interfaces stay, and the record then
// lists only what is attached, so the next hot-plug of that network starts clean. network-status is
// then written from what is saved: the dead daemon's write for that change never came (a removed
// interface is still listed, one an annotation change added before the cut is not).
// A DEL it never finished ("detaching", saved before DEL's first plugin) is finished the same way:
// some of its addresses may be released already, and the runtime asked for the sandbox to go.
import type { Logger } from "pino";
import { describeError } from "../errors/describe-error.js";
import type { AttachmentStore } from "./attachment-store.js";
import type { AttachmentService, DetachNetworkResult } from "./contract.js";

export interface UnfinishedAddsDeps {
  readonly store: Pick<AttachmentStore, "list">;
  readonly detach: AttachmentService["detach"];
  /** DetachNetwork of one interface under the container lock, without a network-status write. */
  readonly detachDelegate: (
    containerId: string,
    ifName: string,
    call: { readonly signal: AbortSignal; readonly log: Logger },
  ) => Promise<DetachNetworkResult>;
  /** Writes the container's network-status from its saved record. */
  readonly writeStatus: (containerId: string, signal: AbortSignal) => Promise<void>;
  readonly log: Logger;
}

/** Returns the container ids rolled back (whole, or their unfinished hot-plugs); one that cannot be is logged and left. */
export async function rollBackUnfinishedAdds(deps: UnfinishedAddsDeps, signal: AbortSignal): Promise<string[]> {
  const done: string[] = [];
  for (const { containerId, read } of await deps.store.list()) {
    if (read.state !== "found") continue;
    const { plan, phase, results } = read.record;
    const log = deps.log.child({ containerId, pod: `${plan.pod.namespace}/${plan.pod.name}` });
    if (phase === "attaching" || phase === "detaching") {
      const what = phase === "attaching" ? "an ADD" : "a DEL";
      try {
        const res = await deps.detach({ containerId, netns: plan.netns, pod: plan.pod }, { signal, log });
        log.warn(
          { removed: res.removed.map((r) => `${r.network}@${r.ifName}`) },
          `${phase === "attaching" ? "rolled back" : "finished"} ${what} a previous netattachd never finished`,
        );
        done.push(containerId);
      } catch (err) {
        const d = describeError(err);
        log.error(
          { err, reason: d.code },
          `${what} a previous netattachd never finished could not be ${phase === "attaching" ? "rolled back" : "finished"}; the runtime's DEL retries it`,
        );
      }
      continue;
    }
    if (phase !== "attached") continue;
    // The cluster network is the sandbox's own ADD's: an attached record always holds its result.
    const unfinished = plan.delegates.filter((d) => !d.isDefault && results[d.ifName] === undefined);
    let all = unfinished.length > 0;
    let some = false;
    for (const d of unfinished) {
      const one = log.child({ network: d.network, ifName: d.ifName });
      try {
        const res = await deps.detachDelegate(containerId, d.ifName, { signal, log: one });
        some = true;
        one.warn(
          { removed: res.removed.map((r) => `${r.network}@${r.ifName}`), orphaned: res.orphaned.length > 0 },
          "took off a network a previous netattachd never finished hot-plugging or hot-unplugging; the pod's other interfaces stay",
        );
      } catch (err) {
        all = false;
        const e = describeError(err);
        one.error(
          { err, reason: e.code },
          "a network a previous netattachd never finished hot-plugging or hot-unplugging could not be taken off; DetachNetwork or the sandbox's DEL removes it",
        );
      }
    }
    if (some) {
      try {
        await deps.writeStatus(containerId, signal);
      } catch (err) {
        const e = describeError(err);
        log.warn(
          { err, reason: e.code },
          "network-status could not be written after an unfinished hot-plug was taken off",
        );
      }
    }
    if (all) done.push(containerId);
  }
  return done;
}
