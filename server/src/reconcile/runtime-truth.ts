// The reconciler's truth, asked once per pass. A sandbox is gone when its saved netns is gone (or
// another namespace now), or when the container runtime's own list (CRI ListPodSandbox) lacks it.
// Without a runtime to ask — no socket, or it does not answer — the pod informer stands in (in
// Kubernetes mode, once synced): a pod deleted, or recreated with another UID, is gone. While the
// runtime answers, a sandbox it still lists is its to stop, whatever the API server says.
import type { Logger } from "pino";
import type { NetnsGuard } from "../netns/netns-guard.js";
import type { PodSource } from "../resolve/index.js";
import { netnsGone, type AttachmentRecord, type SandboxTruth, type TruthSnapshot } from "../attach/index.js";
import type { CriSandboxes } from "./cri-sandboxes.js";

export interface RuntimeTruthDeps {
  readonly netns: NetnsGuard;
  /** Absent: no runtime configured (reconcile.runtimeSocket ""). */
  readonly cri?: CriSandboxes;
  /** Kubernetes mode only. */
  readonly pods?: PodSource;
  readonly log: Logger;
}

export function createRuntimeTruth(deps: RuntimeTruthDeps): SandboxTruth {
  /** The last thing said about the runtime, so a state is logged once, not every pass. */
  let said: string | undefined;
  const say = (line: string, level: "info" | "warn"): void => {
    if (said === line) return;
    said = line;
    deps.log[level]({ component: "reconcile" }, line);
  };
  return {
    async snapshot(signal): Promise<TruthSnapshot> {
      const sources = ["netns existence"];
      const notes: string[] = [];
      const listed = deps.cri !== undefined ? await deps.cri.list(signal) : undefined;
      if (listed?.ok === true) {
        sources.unshift(`CRI ListPodSandbox: ${listed.runtime}`);
        say(`reconciler: the container runtime's sandbox list is the truth (${listed.runtime})`, "info");
      } else {
        const why =
          listed === undefined ? "no container runtime socket configured (reconcile.runtimeSocket)" : listed.why;
        notes.push(
          `${why}: sandboxes are judged by netns existence${deps.pods !== undefined ? " and the pod informer" : ""}`,
        );
        say(`reconciler: ${notes[0]!}`, listed?.absent === false ? "warn" : "info");
      }
      const pods = listed?.ok !== true && deps.pods?.ready() === true ? deps.pods : undefined;
      if (pods !== undefined) sources.push("pod informer");
      return {
        sources,
        notes,
        async gone(record, s) {
          if (netnsGone(deps.netns, record)) return "netns-gone";
          if (listed?.ok === true) return listed.ids.has(record.plan.containerId) ? undefined : "sandbox-gone";
          return pods !== undefined && (await podGone(pods, record, s)) ? "pod-gone" : undefined;
        },
      };
    },
  };
}

/** Deleted, or recreated with another UID (static pods aside); unknown (API away, no UID saved) is not gone. */
async function podGone(pods: PodSource, record: AttachmentRecord, signal: AbortSignal): Promise<boolean> {
  const { namespace, name, uid } = record.plan.pod;
  if (uid === "" || namespace === "" || name === "") return false;
  try {
    const found = await pods.getPod(namespace, name, { signal, uid });
    if ("reason" in found) return found.reason === "not-found";
    return found.found.uid !== uid && found.found.isStatic !== true;
  } catch {
    return false;
  }
}
