// ADDs a previous netattachd never finished: it died between saving the record ("attaching")
// and its last plugin or its rollback. Their interfaces and addresses may be in place, and a
// retried ADD is refused while the record exists, so they are rolled back before the first
// call is served, through DEL's own path (the saved plan, the pinned netns): the runtime's
// retry then starts clean, and its DEL finds nothing left.
import type { Logger } from "pino";
import { describeError } from "../errors/describe-error.js";
import type { AttachmentStore } from "./attachment-store.js";
import type { AttachmentService } from "./contract.js";

export interface UnfinishedAddsDeps {
  readonly store: Pick<AttachmentStore, "list">;
  readonly detach: AttachmentService["detach"];
  readonly log: Logger;
}

/** Returns the container ids rolled back; one that cannot be is logged and left to the runtime's DEL. */
export async function rollBackUnfinishedAdds(deps: UnfinishedAddsDeps, signal: AbortSignal): Promise<string[]> {
  const done: string[] = [];
  for (const { containerId, read } of await deps.store.list()) {
    if (read.state !== "found" || read.record.phase !== "attaching") continue;
    const { plan } = read.record;
    const log = deps.log.child({ containerId, pod: `${plan.pod.namespace}/${plan.pod.name}` });
    try {
      const res = await deps.detach({ containerId, netns: plan.netns, pod: plan.pod }, { signal, log });
      log.warn(
        { removed: res.removed.map((r) => `${r.network}@${r.ifName}`) },
        "rolled back an ADD a previous netattachd never finished",
      );
      done.push(containerId);
    } catch (err) {
      const d = describeError(err);
      log.error(
        { err, reason: d.code },
        "an ADD a previous netattachd never finished could not be rolled back; the runtime's DEL retries it",
      );
    }
  }
  return done;
}
