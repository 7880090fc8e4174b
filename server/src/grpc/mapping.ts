// Pure proto ⇄ domain translation. No logic beyond shape: JSON strings are parsed and
// printed here, and a malformed one is the caller's INVALID_REQUEST.
import type * as att from "../../../proto/gen/netattach/v1/attachment.js";
import { AttachmentHistoryEvent, AttachmentPhase } from "../../../proto/gen/netattach/v1/attachment.js";
import type * as svc from "../../../proto/gen/netattach/v1/attachment_service.js";
import { GarbageCollectOutcome, GarbageCollectReason } from "../../../proto/gen/netattach/v1/attachment_service.js";
import {
  ConfigFrom,
  type ConfigOrigin as PbOrigin,
  type PlannedNetwork,
} from "../../../proto/gen/netattach/v1/plan.js";
import type * as sbx from "../../../proto/gen/netattach/v1/sandbox.js";
import type * as sel from "../../../proto/gen/netattach/v1/selection.js";
import type * as d from "../attach/index.js";
import { jsonTextDepth, type JsonObject } from "../cni/index.js";
import { DaemonError } from "../errors/daemon-error.js";
import { DEFAULT_INPUT_LIMITS, limitExceeded } from "../limits/input-limits.js";
import type { Bandwidth, ConfigOrigin, NetworkSelection, PortMapping } from "../resolve/index.js";

/** What the mapping needs to know before it parses JSON a caller sent (limits.maxJsonDepth). */
export interface MappingLimits {
  readonly maxJsonDepth: number;
}

const DEFAULT_MAPPING_LIMITS: MappingLimits = DEFAULT_INPUT_LIMITS;

export function attachRequestFromProto(
  req: svc.AttachNetworksRequest,
  limits: MappingLimits = DEFAULT_MAPPING_LIMITS,
): d.AttachRequest {
  return sandboxRequestFromProto(req, limits, req.cniVersion);
}

/** ResolveNetworks executes nothing: an empty container id or netns means "no sandbox". */
export function resolveRequestFromProto(
  req: svc.ResolveNetworksRequest,
  limits: MappingLimits = DEFAULT_MAPPING_LIMITS,
): d.ResolveRequest {
  const { containerId, netns, ...rest } = sandboxRequestFromProto(req, limits);
  return { ...rest, ...(containerId !== "" ? { containerId } : {}), ...(netns !== "" ? { netns } : {}) };
}

function sandboxRequestFromProto(
  req: svc.ResolveNetworksRequest,
  limits: MappingLimits,
  cniVersion = "",
): d.AttachRequest {
  return omitUndefined({
    containerId: req.containerId,
    netns: req.netnsPath,
    pod: podFromProto(req.pod),
    annotations: req.annotations ? { ...req.annotations.values } : undefined,
    selections:
      req.selections.length > 0
        ? req.selections.map((s, i) => selectionFromProto(s, `selections[${i}]`, limits))
        : undefined,
    primaryIfName: req.primaryInterface || "eth0",
    runtimeConfig: req.runtimeConfig ? runtimeConfigFromProto(req.runtimeConfig, limits) : undefined,
    cniArgs: req.cniArgs.length > 0 ? req.cniArgs.map((a) => [a.key, a.value] as const) : undefined,
    cniVersion: cniVersion || undefined,
  });
}

/**
 * What a DEL with nothing saved gives its cluster network, read as an ADD's fields are. A
 * runtime_config that does not read does not fail the DEL (every retry would fail alike, and a DEL
 * with a saved attachment never looks at it): it is carried as an error for that one path to log.
 */
export function detachRequestFromProto(
  req: svc.DetachNetworksRequest,
  limits: MappingLimits = DEFAULT_MAPPING_LIMITS,
): d.DetachRequest {
  let runtimeConfig: d.RuntimeCapabilities | undefined;
  let runtimeConfigError: Error | undefined;
  try {
    runtimeConfig = req.runtimeConfig ? runtimeConfigFromProto(req.runtimeConfig, limits) : undefined;
  } catch (err) {
    runtimeConfigError = err as Error;
  }
  return omitUndefined({
    containerId: req.containerId,
    netns: req.netnsPath,
    pod: req.pod ? podFromProto(req.pod) : undefined,
    primaryIfName: req.primaryInterface || undefined,
    runtimeConfig,
    runtimeConfigError,
    cniArgs: req.cniArgs.length > 0 ? req.cniArgs.map((a) => [a.key, a.value] as const) : undefined,
  });
}

export function podFromProto(pod: sbx.PodRef | undefined): d.PodRef {
  return { namespace: pod?.namespace ?? "", name: pod?.name ?? "", uid: pod?.uid ?? "" };
}

export function selectionFromProto(
  s: sel.NetworkSelection,
  field: string,
  limits: MappingLimits = DEFAULT_MAPPING_LIMITS,
): NetworkSelection {
  return omitUndefined({
    name: s.name,
    namespace: s.namespace,
    interface: s.interface,
    ips: s.ips.length > 0 ? [...s.ips] : undefined,
    mac: s.mac,
    defaultRoute: s.defaultRoute ? [...s.defaultRoute.gateways] : undefined,
    portMappings: s.portMappings.length > 0 ? s.portMappings.map(portMappingFromProto) : undefined,
    bandwidth: s.bandwidth ? bandwidthFromProto(s.bandwidth) : undefined,
    cniArgs: s.cniArgsJson ? parseJsonObject(s.cniArgsJson, `${field}.cni_args_json`, limits) : undefined,
    infinibandGuid: s.infinibandGuid,
    deviceId: s.deviceId,
    ipamClaimReference: s.ipamClaimReference,
  });
}

function runtimeConfigFromProto(rc: sbx.RuntimeConfig, limits: MappingLimits): d.RuntimeCapabilities {
  return omitUndefined({
    portMappings: rc.portMappings.length > 0 ? rc.portMappings.map(portMappingFromProto) : undefined,
    bandwidth: rc.bandwidth ? bandwidthFromProto(rc.bandwidth) : undefined,
    dns: rc.dns
      ? { servers: [...rc.dns.servers], searches: [...rc.dns.searches], options: [...rc.dns.options] }
      : undefined,
    ips: rc.ips.length > 0 ? [...rc.ips] : undefined,
    mac: rc.mac,
    cgroupPath: rc.cgroupPath,
    extra: rc.extraJson ? parseJsonObject(rc.extraJson, "runtime_config.extra_json", limits) : undefined,
  });
}

function portMappingFromProto(p: sbx.PortMapping): PortMapping {
  return omitUndefined({
    hostPort: p.hostPort,
    containerPort: p.containerPort,
    protocol: p.protocol || undefined,
    hostIP: p.hostIp || undefined,
  });
}

function bandwidthFromProto(b: sbx.Bandwidth): Bandwidth {
  return omitUndefined({
    ingressRate: b.ingressRate,
    ingressBurst: b.ingressBurst,
    egressRate: b.egressRate,
    egressBurst: b.egressBurst,
  });
}

function parseJsonObject(text: string, field: string, limits: MappingLimits): JsonObject {
  // Measured before parsing: JSON.parse of a million-deep text blocks the event loop for a second.
  if (jsonTextDepth(text, limits.maxJsonDepth) > limits.maxJsonDepth) {
    throw limitExceeded(
      `${field} nests JSON more than ${limits.maxJsonDepth} deep`,
      "maxJsonDepth",
      limits.maxJsonDepth,
      { source: field },
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new DaemonError(
      "INVALID_REQUEST",
      `${field} is not valid JSON: ${(err as Error).message}`,
      { phase: "resolve", source: field },
      { cause: err },
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new DaemonError("INVALID_REQUEST", `${field} must be a JSON object`, { phase: "resolve", source: field });
  }
  return value as JsonObject;
}

// ---- domain → proto ----

export function attachResultToProto(res: d.AttachResult): svc.AttachNetworksResponse {
  return {
    interfaces: res.interfaces.map(attachedInterfaceToProto),
    primaryResultJson: JSON.stringify(res.primaryResult),
    networkStatusJson: JSON.stringify(res.networkStatus),
  };
}

export function attachedInterfaceToProto(i: d.AttachedInterface): att.AttachedInterface {
  return {
    network: i.network,
    interface: i.ifName,
    ips: i.ips.map((ip) => ({ address: ip.address, gateway: ip.gateway ?? "" })),
    mac: i.mac ?? "",
    mtu: i.mtu,
    isDefault: i.isDefault,
    dns: i.dns
      ? {
          nameservers: [...(i.dns.nameservers ?? [])],
          domain: i.dns.domain ?? "",
          search: [...(i.dns.search ?? [])],
          options: [...(i.dns.options ?? [])],
        }
      : undefined,
    gateways: [...i.gateways],
    deviceInfoJson: i.deviceInfo ? JSON.stringify(i.deviceInfo) : "",
    delegateResultJson: JSON.stringify(i.result),
  };
}

export function detachResultToProto(res: d.DetachResult): svc.DetachNetworksResponse {
  return {
    removed: res.removed.map((r) => ({ network: r.network, interface: r.ifName })),
    orphaned: res.orphaned.map((o) => ({ network: o.network, interface: o.ifName, cause: o.cause })),
  };
}

const GC_REASONS: Readonly<Record<d.GcReason, GarbageCollectReason>> = {
  "sandbox-gone": GarbageCollectReason.GARBAGE_COLLECT_REASON_SANDBOX_GONE,
  "netns-gone": GarbageCollectReason.GARBAGE_COLLECT_REASON_NETNS_GONE,
  "pod-gone": GarbageCollectReason.GARBAGE_COLLECT_REASON_POD_GONE,
  "not-valid": GarbageCollectReason.GARBAGE_COLLECT_REASON_NOT_VALID,
  orphaned: GarbageCollectReason.GARBAGE_COLLECT_REASON_ORPHANED,
  "stale-cache": GarbageCollectReason.GARBAGE_COLLECT_REASON_STALE_CACHE,
};

const GC_OUTCOMES: Readonly<Record<d.GcItem["outcome"], GarbageCollectOutcome>> = {
  removed: GarbageCollectOutcome.GARBAGE_COLLECT_OUTCOME_REMOVED,
  "would-remove": GarbageCollectOutcome.GARBAGE_COLLECT_OUTCOME_WOULD_REMOVE,
  orphaned: GarbageCollectOutcome.GARBAGE_COLLECT_OUTCOME_ORPHANED,
  failed: GarbageCollectOutcome.GARBAGE_COLLECT_OUTCOME_FAILED,
  "skipped-in-flight": GarbageCollectOutcome.GARBAGE_COLLECT_OUTCOME_SKIPPED_IN_FLIGHT,
};

export function gcResultToProto(res: d.GcResult): svc.GarbageCollectResponse {
  return {
    removedContainerIds: [...res.removedContainerIds],
    errors: [...res.errors],
    report: {
      dryRun: res.dryRun,
      sources: [...res.sources],
      notes: [...res.notes],
      items: res.items.map((i) => ({
        containerId: i.containerId,
        pod: i.pod !== undefined ? { ...i.pod } : undefined,
        netnsPath: i.netns,
        reason: GC_REASONS[i.reason],
        outcome: GC_OUTCOMES[i.outcome],
        interfaces: i.interfaces.map((x) => ({
          network: x.network,
          interface: x.ifName,
          ips: [...x.ips],
          mac: "",
          isDefault: false,
          gateways: [],
        })),
        message: i.message ?? "",
      })),
    },
  };
}

export function statusToProto(s: d.ServiceStatus): svc.GetStatusResponse {
  const cn = s.clusterNetwork;
  return {
    ready: s.ready,
    reasons: [...s.reasons],
    warnings: [...(s.warnings ?? [])],
    clusterNetwork: cn ? { name: cn.name, ok: cn.ok, cniCode: cn.cniCode, message: cn.message ?? "" } : undefined,
  };
}

const PHASES: Readonly<Record<d.AttachmentSummary["phase"], AttachmentPhase>> = {
  attaching: AttachmentPhase.ATTACHMENT_PHASE_ATTACHING,
  attached: AttachmentPhase.ATTACHMENT_PHASE_ATTACHED,
  detaching: AttachmentPhase.ATTACHMENT_PHASE_DETACHING,
  orphaned: AttachmentPhase.ATTACHMENT_PHASE_ORPHANED,
};

const HISTORY_EVENTS: Readonly<Record<d.AttachmentSummary["history"][number]["event"], AttachmentHistoryEvent>> = {
  "del-failed": AttachmentHistoryEvent.ATTACHMENT_HISTORY_EVENT_DEL_FAILED,
  cleaned: AttachmentHistoryEvent.ATTACHMENT_HISTORY_EVENT_CLEANED,
  orphaned: AttachmentHistoryEvent.ATTACHMENT_HISTORY_EVENT_ORPHANED,
  released: AttachmentHistoryEvent.ATTACHMENT_HISTORY_EVENT_RELEASED,
};

/**
 * A saved value as its enum, or, for one a newer netattachd saved that this one does not know,
 * UNSPECIFIED with the value itself in `rawKey`: shown as it is, never blanked.
 */
function known<V extends string, E, K extends string, R extends string>(
  table: Readonly<Record<V, E>>,
  value: V,
  unspecified: E,
  key: K,
  rawKey: R,
): Record<K, E> & Record<R, string> {
  const isKnown = Object.hasOwn(table, value);
  return { [key]: isKnown ? table[value] : unspecified, [rawKey]: isKnown ? "" : String(value) } as Record<K, E> &
    Record<R, string>;
}

export function attachmentToProto(a: d.AttachmentSummary): att.Attachment {
  return {
    containerId: a.containerId,
    netnsPath: a.netns,
    pod: { ...a.pod },
    interfaces: a.interfaces.map((i) => ({
      network: i.network,
      interface: i.ifName,
      ips: [...i.ips],
      mac: i.mac ?? "",
      isDefault: i.isDefault,
      gateways: [...i.gateways],
    })),
    createTime: a.createdAt ? new Date(a.createdAt) : undefined,
    ...known(PHASES, a.phase, AttachmentPhase.ATTACHMENT_PHASE_UNSPECIFIED, "phase", "unknownPhase"),
    cause: a.cause ?? "",
    history: a.history.map((h) => ({
      time: new Date(h.time),
      ...known(
        HISTORY_EVENTS,
        h.event,
        AttachmentHistoryEvent.ATTACHMENT_HISTORY_EVENT_UNSPECIFIED,
        "event",
        "unknownEvent",
      ),
      network: h.network,
      interface: h.ifName,
      plugin: h.plugin ?? "",
      reason: h.reason ?? "",
      message: h.message,
    })),
    updateTime: a.updatedAt ? new Date(a.updatedAt) : undefined,
  };
}

export function unreadableToProto(u: d.UnreadableRecord): svc.UnreadableAttachment {
  return {
    containerId: u.containerId,
    path: u.path,
    problem: u.problem,
    recordVersion: u.tooNew?.recordVersion ?? 0,
    readerVersion: u.tooNew?.readerVersion ?? 0,
  };
}

export function planToProto(
  plan: d.AttachmentPlan,
  warnings: readonly d.PlanWarning[] = [],
): svc.ResolveNetworksResponse {
  return {
    networks: plan.delegates.map(plannedToProto),
    primaryInterface: plan.primaryIfName,
    warnings: warnings.map((w) => ({ reason: w.code, message: w.message, networks: [...w.networks] })),
  };
}

function plannedToProto(p: d.PlannedDelegate): PlannedNetwork {
  return {
    network: p.network,
    interface: p.ifName,
    isDefault: p.isDefault,
    origin: originToProto(p.origin),
    configJson: JSON.stringify(p.config),
    capabilityArgsJson: JSON.stringify(p.capabilityArgs),
    cniArgs: p.cniArgs.map(([key, value]) => ({ key, value })),
    defaultRoute: p.defaultRoute ? { gateways: [...p.defaultRoute] } : undefined,
  };
}

export function originToProto(o: ConfigOrigin): PbOrigin {
  switch (o.kind) {
    case "conf-file":
      return { confFile: { path: o.path } };
    case "network-attachment-definition":
      return {
        definition: {
          namespace: o.namespace,
          name: o.name,
          manifestPath: o.manifestPath ?? "",
          configFrom:
            o.configFrom === "spec.config" ? ConfigFrom.CONFIG_FROM_SPEC_CONFIG : ConfigFrom.CONFIG_FROM_CONF_FILE,
          confPath: o.confPath ?? "",
        },
      };
    case "inline":
      return { inline: { description: o.description } };
  }
}

/** Drops keys whose value is undefined, so domain objects carry only what was sent. */
function omitUndefined<T extends object>(obj: { [K in keyof T]: T[K] | undefined }): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}
