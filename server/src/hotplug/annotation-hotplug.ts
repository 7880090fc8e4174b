// Annotation-driven hot-plug (daemon config hotplug.annotations, Kubernetes mode): when the
// networks annotation of a pod on this node changes, its sandbox is given what the new value asks
// for, as one change under the container lock with one network-status PATCH (applyNetworkChanges).
// The value is matched against what the sandbox has attached (attach/selection-match.ts), never
// against an earlier value: a refused value or a failed step leaves nothing to remember, and the
// next change retries it. A change seen while the runtime's ADD runs waits for that ADD (the
// container lock) and is then applied to what it attached; one seen before the ADD saved anything
// is looked at again at the pod's next update (the ADD's own network-status PATCH, the kubelet's
// status), since the ADD may have read the value before it changed.
// Nothing here throws into the informer: failures are logged and become events.
import type { Logger } from "pino";
import type { AttachmentService, PodRef } from "../attach/index.js";
import { isDaemonError } from "../errors/daemon-error.js";
import { describeError } from "../errors/describe-error.js";
import type { EventSink } from "../events/attachment-event.js";
import { DEFAULT_INPUT_LIMITS, type InputLimits } from "../limits/input-limits.js";
import { NETWORKS_ANNOTATION, parseNetworkSelections, type PodInfo } from "../resolve/index.js";

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

/** Per pod: the last value seen (a change is a new value), and what is still to do. */
interface PodView {
  pod: PodInfo;
  value: string;
  /** A run is queued; it reads `pod` when it starts, so changes seen meanwhile need no run of their own. */
  queued: boolean;
  /** A change found no sandbox attached yet: looked at again at the pod's next update. */
  pending: boolean;
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

  async function handle(view: PodView): Promise<void> {
    view.queued = false;
    const { pod } = view;
    const ref: PodRef = { namespace: pod.namespace, name: pod.name, uid: pod.uid };
    const ctx = { signal: stopping.signal, log: log.child({ pod: `${pod.namespace}/${pod.name}` }) };
    let containerId = "";
    try {
      const value = pod.annotations[NETWORKS_ANNOTATION] ?? "";
      const selections = parseNetworkSelections(value, pod.namespace, NETWORKS_ANNOTATION, limits);
      const listed = await deps.service.list({ podNamespace: pod.namespace, podName: pod.name }, ctx);
      // An ADD in flight ("attaching") is waited for: the change runs under the container lock after it.
      const sandboxes = listed.attachments.filter(
        (a) =>
          (a.phase === "attached" || a.phase === "attaching") &&
          (a.pod.uid === "" || pod.uid === "" || a.pod.uid === pod.uid),
      );
      view.pending = sandboxes.length === 0;
      for (const sandbox of sandboxes) {
        containerId = sandbox.containerId;
        try {
          const outcome = await deps.service.applyNetworkChanges(
            { containerId, pod: sandbox.pod, selections, source: NETWORKS_ANNOTATION },
            ctx,
          );
          if (outcome.attached.length + outcome.removed.length + outcome.failures.length > 0)
            ctx.log.info(
              {
                containerId,
                added: outcome.attached.map((i) => i.ifName),
                removed: outcome.removed.map((r) => r.ifName),
                failures: outcome.failures,
              },
              "networks annotation applied",
            );
        } catch (err) {
          // The ADD waited for failed (or a DEL came first): the runtime's next ADD reads the annotation.
          if (isDaemonError(err) && err.code === "ATTACHMENT_NOT_FOUND") {
            view.pending = true;
            continue;
          }
          // Still waiting for a long ADD when the call's deadline came: tried again at the next update.
          if (sandbox.phase === "attaching") view.pending = true;
          throw err;
        }
      }
      if (view.pending)
        ctx.log.debug(
          "networks annotation changed on a pod with no attached sandbox; looked at again at its next update",
        );
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

  function enqueue(key: string, view: PodView): void {
    if (view.queued) return;
    view.queued = true;
    const queued = (queues.get(key) ?? Promise.resolve()).then(() => handle(view));
    queues.set(key, queued);
    void queued.finally(() => {
      if (queues.get(key) === queued) queues.delete(key);
    });
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
        seen.set(key, { pod, value, queued: false, pending: false });
        return;
      }
      view.pod = pod;
      // A resync, or another field changed: nothing to do unless a change still waits for the ADD.
      // An "add" of a pod already seen is a relist after a broken watch: a change it brings is one
      // the watch missed.
      if (view.value === value && !view.pending) return;
      view.value = value;
      enqueue(key, view);
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
