// Annotation-driven hot-plug (daemon config hotplug.annotations, Kubernetes mode): when the
// networks annotation of a pod on this node changes while its sandbox is attached, what the new
// value adds is attached and what it drops is detached (selection-diff.ts), as one change under the
// container lock with one network-status PATCH (applyNetworkChanges). The diff is against what is
// applied: the value at first sight (the runtime's ADD attached it), then each step that succeeded.
// A refused value or a failed step changes nothing there, so the next change retries what failed
// instead of taking it as done. A pod not attached yet is left to the runtime's ADD.
// Nothing here throws into the informer: failures are logged and become events.
import type { Logger } from "pino";
import type { AttachmentService, NetworkChangesOutcome, PodRef } from "../attach/index.js";
import { describeError } from "../errors/describe-error.js";
import type { EventSink } from "../events/attachment-event.js";
import { DEFAULT_INPUT_LIMITS, type InputLimits } from "../limits/input-limits.js";
import { NETWORKS_ANNOTATION, parseNetworkSelections, type NetworkSelection, type PodInfo } from "../resolve/index.js";
import { diffSelections, type SelectionDiff } from "./selection-diff.js";

export interface AnnotationHotplugDeps {
  readonly service: Pick<AttachmentService, "list" | "applyNetworkChanges">;
  readonly events: EventSink;
  readonly log: Logger;
  readonly limits?: InputLimits;
  readonly now?: () => Date;
}

export interface AnnotationHotplug {
  /** The pod informer's handler. */
  observe(pod: PodInfo, change: "add" | "update" | "delete"): void;
  /** Resolves when every change seen so far has been handled (tests, shutdown). */
  idle(): Promise<void>;
  /** Cancels what runs and ignores what comes after. */
  stop(): Promise<void>;
}

/** Per pod: the last value seen (a change is a new value) and the selections applied. */
interface PodView {
  value: string;
  applied: readonly NetworkSelection[];
}

/** What is applied after a change: the diff's steps that succeeded, in the annotation's order. */
function appliedAfter(
  applied: readonly NetworkSelection[],
  diff: SelectionDiff,
  outcome: NetworkChangesOutcome,
): NetworkSelection[] {
  // A detach of what is not there (ATTACHMENT_NOT_FOUND) leaves it gone all the same.
  const keptByFailure = new Set(
    outcome.failures.flatMap((f) =>
      f.detach !== undefined && f.reason !== "ATTACHMENT_NOT_FOUND" ? [diff.removed[f.detach]] : [],
    ),
  );
  const notAdded = new Set(outcome.failures.flatMap((f) => (f.attach !== undefined ? [diff.added[f.attach]] : [])));
  return [
    ...applied.filter((s) => !diff.removed.includes(s) || keptByFailure.has(s)),
    ...diff.added.filter((s) => !notAdded.has(s)),
  ];
}

export function createAnnotationHotplug(deps: AnnotationHotplugDeps): AnnotationHotplug {
  const log = deps.log.child({ component: "annotation-hotplug" });
  const now = deps.now ?? (() => new Date());
  const limits = {
    ...(deps.limits ?? DEFAULT_INPUT_LIMITS),
    maxElements: (deps.limits ?? DEFAULT_INPUT_LIMITS).maxNetworksPerPod,
  };
  const seen = new Map<string, PodView>();
  /** One chain per pod, so changes of one pod are handled in order. */
  const queues = new Map<string, Promise<void>>();
  const stopping = new AbortController();

  const keyOf = (pod: PodInfo): string => `${pod.namespace}/${pod.name}/${pod.uid}`;

  function parse(value: string, pod: PodInfo): NetworkSelection[] {
    return parseNetworkSelections(value, pod.namespace, NETWORKS_ANNOTATION, limits);
  }

  /** An ADD with a value that does not parse failed, so nothing of it is attached. */
  function parsedOrNone(value: string, pod: PodInfo): NetworkSelection[] {
    try {
      return parse(value, pod);
    } catch {
      return [];
    }
  }

  async function handle(pod: PodInfo, view: PodView, after: string): Promise<void> {
    const ref: PodRef = { namespace: pod.namespace, name: pod.name, uid: pod.uid };
    const ctx = { signal: stopping.signal, log: log.child({ pod: `${pod.namespace}/${pod.name}` }) };
    let containerId = "";
    try {
      const listed = await deps.service.list({ podNamespace: pod.namespace, podName: pod.name }, ctx);
      const attached = listed.attachments.filter(
        (a) => a.phase === "attached" && (a.pod.uid === "" || pod.uid === "" || a.pod.uid === pod.uid),
      );
      const wanted = parse(after, pod);
      if (attached.length === 0) {
        ctx.log.debug("networks annotation changed on a pod with no attached sandbox; left to the runtime's ADD");
        view.applied = wanted;
        return;
      }
      const diff = diffSelections(view.applied, wanted);
      if (diff.added.length === 0 && diff.removed.length === 0) return;
      for (const sandbox of attached) {
        containerId = sandbox.containerId;
        const outcome = await deps.service.applyNetworkChanges(
          {
            containerId,
            pod: sandbox.pod,
            detach: diff.removed.map((s) =>
              s.interface !== undefined && s.interface !== ""
                ? { ifName: s.interface }
                : { network: { namespace: s.namespace ?? pod.namespace, name: s.name } },
            ),
            attach: diff.added,
          },
          ctx,
        );
        ctx.log.info(
          {
            containerId,
            added: outcome.attached.map((i) => i.ifName),
            removed: outcome.removed.map((r) => r.ifName),
            failures: outcome.failures,
          },
          "networks annotation applied",
        );
        // One pod has one sandbox attached; with more (a runtime's leftover), the last one counts.
        view.applied = appliedAfter(view.applied, diff, outcome);
      }
    } catch (err) {
      const d = describeError(err);
      ctx.log.warn({ err, reason: d.code, containerId }, "networks annotation change could not be applied");
      deps.events.emit({
        kind: "hotplug-attach",
        outcome: "failed",
        time: now(),
        containerId,
        pod: ref,
        reason: d.code,
        message: `networks annotation change not applied: ${d.message}`,
      });
    }
  }

  return {
    observe(pod, change) {
      if (stopping.signal.aborted) return;
      const key = keyOf(pod);
      if (change === "delete") {
        seen.delete(key);
        return;
      }
      const value = pod.annotations[NETWORKS_ANNOTATION] ?? "";
      const view = seen.get(key);
      // First sight: the runtime's ADD attaches what it says.
      if (view === undefined) {
        seen.set(key, { value, applied: parsedOrNone(value, pod) });
        return;
      }
      // A resync, or another field changed. An "add" of a pod already seen is a relist after a
      // broken watch: a change it brings is one the watch missed.
      if (view.value === value) return;
      view.value = value;
      const queued = (queues.get(key) ?? Promise.resolve()).then(() => handle(pod, view, value));
      queues.set(key, queued);
      void queued.finally(() => {
        if (queues.get(key) === queued) queues.delete(key);
      });
    },
    async idle() {
      while (queues.size > 0) await Promise.all([...queues.values()]);
    },
    async stop() {
      stopping.abort(new Error("netattachd is stopping"));
      await this.idle();
    },
  };
}
