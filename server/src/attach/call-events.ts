// Turns one service call into one event: how it ended (ok, or the catalog reason and where it
// failed, by the rule the gRPC edge uses), how long it took, and what it added. Emitting never
// fails the call: the sink contract forbids throwing, and a throw is swallowed here anyway.
import { MAX_IDENTITY_BYTES, boundText } from "../errors/bounded-text.js";
import { describeError } from "../errors/describe-error.js";
import type { AttachmentEvent, AttachmentEventKind, EventSink } from "../events/attachment-event.js";
import type { PodRef } from "./attachment-plan.js";
import type { AttachmentRecord } from "./attachment-store.js";
import { interfaceSummaries } from "./list-attachments.js";
import type {
  AttachNetworkRequest,
  AttachNetworkResult,
  AttachRequest,
  AttachResult,
  DetachNetworkRequest,
  DetachNetworkResult,
  DetachRequest,
  DetachResult,
} from "./contract.js";

export interface EventedCall<T> {
  readonly kind: AttachmentEventKind;
  readonly containerId: string;
  readonly pod?: PodRef;
  /** Read when the event is emitted, success or failure: what the call learnt of its subject (a DEL: the saved record's pod and interfaces). */
  readonly learnt?: () => Partial<Pick<AttachmentEvent, "pod" | "interfaces">>;
  /** What a successful result adds to the event (interfaces, a message). */
  readonly onOk?: (result: T) => Partial<AttachmentEvent>;
}

export interface EventClock {
  /** Wall time of the event. */
  readonly now: () => Date;
  /** Monotonic milliseconds, for the duration. */
  readonly monotonic: () => number;
}

const SYSTEM_CLOCK: EventClock = { now: () => new Date(), monotonic: () => performance.now() };

export async function emitting<T>(
  sink: EventSink,
  call: EventedCall<T>,
  run: () => Promise<T>,
  clock: EventClock = SYSTEM_CLOCK,
): Promise<T> {
  const started = clock.monotonic();
  // The call's ids are the request's, also when it refuses them: cut, as its log lines' are, or
  // the history would keep a caller's megabytes per event.
  const id = (v: string): string => boundText(v, MAX_IDENTITY_BYTES);
  const pod = call.pod && { namespace: id(call.pod.namespace), name: id(call.pod.name), uid: id(call.pod.uid) };
  const base = (): Pick<AttachmentEvent, "kind" | "containerId" | "pod" | "time" | "durationMs"> => ({
    kind: call.kind,
    containerId: id(call.containerId),
    ...(pod ? { pod } : {}),
    ...call.learnt?.(),
    time: clock.now(),
    durationMs: clock.monotonic() - started,
  });
  let result: T;
  try {
    result = await run();
  } catch (err) {
    const d = describeError(err);
    const where = Object.fromEntries(
      (["network", "ifName", "plugin", "phase"] as const).flatMap((key) =>
        d.context[key] ? [[key, id(d.context[key])]] : [],
      ),
    ) as Pick<AttachmentEvent, "network" | "ifName" | "plugin" | "phase">;
    safeEmit(sink, { ...base(), outcome: "failed", reason: d.code, message: d.message, ...where });
    throw err;
  }
  safeEmit(sink, { ...base(), outcome: "ok", ...call.onOk?.(result) });
  return result;
}

function safeEmit(sink: EventSink, event: AttachmentEvent): void {
  try {
    sink.emit(event);
  } catch {
    // An event is never worth a failed ADD or DEL.
  }
}

/** A full ADD: the interfaces it added, with their addresses. */
export function attachCall(req: AttachRequest): EventedCall<AttachResult> {
  return {
    kind: "attach",
    containerId: req.containerId,
    pod: req.pod,
    onOk: (res) => ({
      interfaces: res.interfaces.map((i) => ({
        network: i.network,
        ifName: i.ifName,
        ips: i.ips.map((ip) => ip.address),
      })),
    }),
  };
}

/**
 * A full DEL: the pod and the interfaces (with their addresses) of the saved record it found, once
 * `found` is told (so `--pod` and `--network` filters match it, failures included), and what it
 * removed, in its message; a DEL that found nothing saved says so, and what it released from config.
 */
export function detachCall(
  req: DetachRequest,
): EventedCall<DetachResult> & { readonly found: (record: AttachmentRecord, from: "saved" | "config") => void } {
  let saved: AttachmentRecord | undefined;
  let fromConfig = false;
  return {
    kind: "detach",
    containerId: req.containerId,
    ...(req.pod ? { pod: req.pod } : {}),
    found: (record, from) => {
      saved = record;
      fromConfig = from === "config";
    },
    learnt: () =>
      saved === undefined
        ? {}
        : {
            pod: saved.plan.pod,
            interfaces: interfaceSummaries(saved).map((i) => ({ network: i.network, ifName: i.ifName, ips: i.ips })),
          },
    onOk: (res) => {
      const removed =
        (fromConfig
          ? "nothing saved for this container: the cluster network released from its current config, secondary networks unknown; "
          : "") +
        (res.removed.length > 0
          ? `removed ${res.removed.map((r) => `${r.ifName} (${r.network})`).join(", ")}`
          : saved === undefined
            ? "nothing saved for this container: nothing to remove"
            : "removed nothing");
      if (res.orphaned.length === 0) return { message: removed };
      // Done for the runtime, but something is left for the reconciler.
      return {
        outcome: "partial",
        message: `${removed}; orphaned for the reconciler: ${res.orphaned.map((o) => `${o.ifName} (${o.network}): ${o.cause}`).join("; ")}`,
      };
    },
  };
}

/** AttachNetwork: the network asked for, and the interface it got. */
export function hotplugAttachCall(
  req: AttachNetworkRequest,
  pod: PodRef | undefined,
): EventedCall<AttachNetworkResult> {
  return {
    kind: "hotplug-attach",
    containerId: req.containerId,
    ...(pod ? { pod } : {}),
    onOk: ({ attached: i }) => ({
      network: i.network,
      ifName: i.ifName,
      interfaces: [{ network: i.network, ifName: i.ifName, ips: i.ips.map((ip) => ip.address) }],
    }),
  };
}

/** DetachNetwork: what it removed, or left for the reconciler. */
export function hotplugDetachCall(
  req: DetachNetworkRequest,
  pod: PodRef | undefined,
): EventedCall<DetachNetworkResult> {
  return {
    kind: "hotplug-detach",
    containerId: req.containerId,
    ...(pod ? { pod } : {}),
    onOk: (res) => {
      const one = res.removed[0] ?? res.orphaned[0];
      const where = one ? { network: one.network, ifName: one.ifName } : {};
      if (res.orphaned.length === 0) return where;
      return {
        ...where,
        outcome: "partial",
        message: `orphaned for the reconciler: ${res.orphaned.map((o) => `${o.ifName} (${o.network}): ${o.cause}`).join("; ")}`,
      };
    },
  };
}
