// Kubernetes Events on pods (events.k8s.io/v1), off the ADD's path: emit() only queues (bounded;
// beyond it events are dropped and counted in the log), one worker writes them in order, each
// write aggregated (event-series.ts: same pod, reason and action → one Event with a count) and
// rate-limited per pod (rate-limit.ts). A write that fails is retried a little, then given up,
// and while the API server is failing (api-gate.ts closed) none is sent: an Event is never worth
// an ADD, nor load on a server trying to recover.
import { PatchStrategy, V1MicroTime, type EventsV1Event } from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { PodRef } from "../attach/index.js";
import type { EventSink } from "../events/attachment-event.js";
import { classifyApiFailure } from "./api-failure.js";
import type { ApiGate } from "./api-gate.js";
import { FIELD_MANAGER } from "./client-identity.js";
import { createEventSeries, type SeriesWrite } from "./event-series.js";
import type { KubeClient } from "./kube-client.js";
import type { KubeTuning } from "./kube-edge.js";
import { podEventFrom, type PodEventSpec } from "./pod-event.js";
import { isStaticPod } from "./pod-uid.js";
import { createKeyedRateLimit } from "./rate-limit.js";
import type { SyncedInformer } from "./synced-informer.js";
import type { TrimmedPod } from "./trim-object.js";
import { withRetry } from "../retry/index.js";

export const REPORTING_CONTROLLER = "netattach.dev/netattachd";

export interface KubeEventRecorder extends EventSink {
  /** Drops what is queued and stops the timers. */
  stop(): void;
}

export interface KubeEventRecorderDeps {
  readonly client: KubeClient;
  readonly pods: SyncedInformer<TrimmedPod>;
  readonly gate: ApiGate;
  readonly tuning: KubeTuning;
  readonly nodeName: string;
  readonly log: Logger;
  readonly now?: () => Date;
}

type Job = { readonly spec: PodEventSpec } | { readonly write: SeriesWrite };

export function createKubeEventRecorder(deps: KubeEventRecorderDeps): KubeEventRecorder {
  const { client, tuning, log } = deps;
  const now = deps.now ?? (() => new Date());
  const series = createEventSeries({
    finishMs: tuning.eventSeriesFinishMs,
    refreshMs: tuning.eventSeriesRefreshMs,
    maxEntries: 4 * tuning.eventQueueSize,
  });
  const limit = createKeyedRateLimit({ burst: tuning.eventBurst, refillMs: tuning.eventRefillMs });
  const instance = `netattachd-${deps.nodeName}`.slice(0, 128);
  const queue: Job[] = [];
  let running = false;
  let stopped = false;
  let dropped = 0;
  let sequence = 0;
  const timer = setInterval(
    () => enqueue(...series.due(now()).map((write) => ({ write }))),
    Math.min(tuning.eventSeriesFinishMs, tuning.eventSeriesRefreshMs) / 2,
  );
  timer.unref();

  function enqueue(...jobs: Job[]): void {
    for (const job of jobs) {
      if (stopped) return;
      if (queue.length >= tuning.eventQueueSize) {
        if (dropped++ === 0)
          log.warn(
            { queued: queue.length },
            "Kubernetes Events are queued faster than they can be written; dropping new ones",
          );
        continue;
      }
      queue.push(job);
    }
    if (!running && queue.length > 0) {
      running = true;
      void drain();
    }
  }

  async function drain(): Promise<void> {
    while (queue.length > 0 && !stopped) {
      const job = queue.shift()!;
      const write = "write" in job ? job.write : series.observe(job.spec, now());
      if (write === undefined) continue;
      if (deps.gate.closedForMs() > 0) {
        log.debug(
          { pod: podKey(write.entry.spec.pod), reason: write.entry.spec.reason },
          "Kubernetes Event not written: the API server is failing",
        );
        continue;
      }
      if (!limit.take(podKey(write.entry.spec.pod), Date.now())) {
        log.debug(
          { pod: podKey(write.entry.spec.pod), reason: write.entry.spec.reason },
          "Kubernetes Event not written: this pod's event rate limit is exhausted",
        );
        continue;
      }
      await perform(write).catch((err: unknown) =>
        log.warn(
          { err, pod: podKey(write.entry.spec.pod), reason: write.entry.spec.reason },
          "Kubernetes Event not written",
        ),
      );
    }
    running = false;
    if (dropped > 0) log.warn({ dropped }, "Kubernetes Events dropped (queue full)");
    dropped = 0;
  }

  async function perform(write: SeriesWrite): Promise<void> {
    const { entry } = write;
    const observed = entry.lastObserved;
    const count = entry.count;
    if (write.kind === "patch" && entry.name !== undefined) {
      const body = { series: { count, lastObservedTime: new V1MicroTime(observed) } };
      const patched = await send(() =>
        client.events.patchNamespacedEvent(
          { name: entry.name!, namespace: entry.spec.pod.namespace, body, fieldManager: FIELD_MANAGER },
          client.callOptions({ timeoutMs: tuning.requestTimeoutMs, contentType: PatchStrategy.MergePatch }),
        ),
      );
      if (patched) {
        entry.written = count;
        entry.lastWritten = now();
        return;
      }
      // The Event is gone (expired by the API server's TTL): a new one carries the series on.
    }
    const name = eventName(entry.spec.pod.name);
    const body = eventBody(entry.spec, name, count, observed);
    await send(() =>
      client.events.createNamespacedEvent(
        { namespace: entry.spec.pod.namespace, body, fieldManager: FIELD_MANAGER },
        client.callOptions({ timeoutMs: tuning.requestTimeoutMs }),
      ),
    );
    entry.name = name;
    entry.written = count;
    entry.lastWritten = now();
  }

  /** True when written; false when the API server answered 404; throws on other failures (after retries). */
  async function send(call: () => Promise<unknown>): Promise<boolean> {
    try {
      await withRetry(call, {
        attempts: deps.gate.failing() ? 1 : tuning.eventWriteAttempts,
        backoff: { minMs: tuning.retryBackoffMs, maxMs: tuning.backoffMaxMs },
        retryable: (err) => classifyApiFailure(err).kind === "unavailable",
      });
      deps.gate.observe();
      return true;
    } catch (err) {
      const failure = classifyApiFailure(err);
      deps.gate.observe(failure);
      if (failure.kind === "not-found") return false;
      throw err;
    }
  }

  function eventBody(spec: PodEventSpec, name: string, count: number, observed: Date): EventsV1Event {
    return {
      apiVersion: "events.k8s.io/v1",
      kind: "Event",
      metadata: { name, namespace: spec.pod.namespace },
      eventTime: new V1MicroTime(spec.time),
      ...(count >= 2 ? { series: { count, lastObservedTime: new V1MicroTime(observed) } } : {}),
      reportingController: REPORTING_CONTROLLER,
      reportingInstance: instance,
      action: spec.action,
      reason: spec.reason,
      note: spec.note,
      type: spec.type,
      regarding: {
        apiVersion: "v1",
        kind: "Pod",
        namespace: spec.pod.namespace,
        name: spec.pod.name,
        ...regardingUid(spec.pod),
      },
    };
  }

  /** The API object's UID: the runtime's, except for a static pod, whose mirror pod has its own. */
  function regardingUid(pod: PodRef): { uid?: string } {
    const cached = deps.pods.get(pod.namespace, pod.name);
    const uid = cached && isStaticPod(cached.metadata.annotations) ? cached.metadata.uid : pod.uid;
    return uid ? { uid } : {};
  }

  /** client-go's naming: the object's name and a unique hex suffix. */
  function eventName(podName: string): string {
    const suffix = (BigInt(Date.now()) * 1_000_000n + BigInt(sequence++ % 1_000_000)).toString(16);
    return `${podName.slice(0, 253 - suffix.length - 1)}.${suffix}`;
  }

  return {
    emit(event) {
      const spec = podEventFrom(event);
      if (spec !== undefined) enqueue({ spec });
    },
    stop() {
      stopped = true;
      queue.length = 0;
      clearInterval(timer);
    },
  };
}

function podKey(pod: PodRef): string {
  return `${pod.namespace}/${pod.name}`;
}
