// What kube-apiserver (pkg/apis/core/validation/events.go) checks for events.k8s.io/v1 Events,
// the rules a client can break: on create, the required fields and their bounds; on update or
// patch, the fields that may never change. Each problem is one cause, named by its field path,
// as the API server reports them in a 422 Invalid.
import type { KubeObject } from "./types.js";

export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

const QUALIFIED_NAME =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** metav1.MicroTime on the wire: RFC 3339 with exactly six fractional digits. */
const MICRO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}(Z|[+-]\d\d:\d\d)$/;
const IMMUTABLE = [
  "regarding",
  "related",
  "reason",
  "note",
  "type",
  "action",
  "reportingController",
  "reportingInstance",
  "eventTime",
] as const;

type EventObject = KubeObject & Record<string, unknown>;

export function validateEventCreate(e: EventObject, namespace: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const need = (ok: boolean, field: string, message: string): void => {
    if (!ok) problems.push({ field, message });
  };
  const str = (v: unknown): string => (typeof v === "string" ? v : "");
  const name = str(e.metadata?.name);
  need(
    name !== "" && name.length <= 253 && DNS_SUBDOMAIN.test(name),
    "metadata.name",
    "Required value: a lowercase RFC 1123 subdomain",
  );
  need(
    str(e.metadata?.namespace) === "" || e.metadata.namespace === namespace,
    "metadata.namespace",
    "does not match the namespace of the request",
  );
  need(MICRO_TIME.test(str(e.eventTime)), "eventTime", "Required value (a MicroTime: RFC 3339 with microseconds)");
  need(
    e.type === "Normal" || e.type === "Warning",
    "type",
    `Invalid value: ${JSON.stringify(e.type)}: has invalid value`,
  );
  const controller = str(e.reportingController);
  need(controller !== "" && QUALIFIED_NAME.test(controller), "reportingController", "Required value: a qualified name");
  need(
    str(e.reportingInstance) !== "" && str(e.reportingInstance).length <= 128,
    "reportingInstance",
    "Required value, at most 128 characters",
  );
  need(str(e.action) !== "" && str(e.action).length <= 128, "action", "Required value, at most 128 characters");
  need(str(e.reason) !== "" && str(e.reason).length <= 128, "reason", "Required value, at most 128 characters");
  need(str(e.note).length <= 1024, "note", "can have at most 1024 characters");
  const regarding = e.regarding as { namespace?: unknown } | undefined;
  need(
    regarding !== undefined && str(regarding.namespace) === namespace,
    "regarding.namespace",
    "does not match event.namespace",
  );
  for (const old of ["deprecatedFirstTimestamp", "deprecatedLastTimestamp", "deprecatedSource"])
    need(e[old] === undefined, old, "needs to be unset");
  need(e.deprecatedCount === undefined || e.deprecatedCount === 0, "deprecatedCount", "needs to be unset");
  problems.push(...validateSeries(e));
  return problems;
}

export function validateEventUpdate(next: EventObject, old: EventObject): FieldProblem[] {
  const problems: FieldProblem[] = IMMUTABLE.filter((f) => JSON.stringify(next[f]) !== JSON.stringify(old[f])).map(
    (field) => ({ field, message: "field is immutable" }),
  );
  if (JSON.stringify(next.series) !== JSON.stringify(old.series)) problems.push(...validateSeries(next));
  return problems;
}

function validateSeries(e: EventObject): FieldProblem[] {
  const series = e.series as { count?: unknown; lastObservedTime?: unknown } | undefined;
  if (series === undefined) return [];
  const problems: FieldProblem[] = [];
  if (typeof series.count !== "number" || series.count < 2)
    problems.push({ field: "series.count", message: "should be at least 2" });
  if (typeof series.lastObservedTime !== "string" || !MICRO_TIME.test(series.lastObservedTime))
    problems.push({ field: "series.lastObservedTime", message: "Required value" });
  return problems;
}
