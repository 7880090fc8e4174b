// What a failed API call means for us, decided by HTTP status, the Status body's structured
// causes, or the Node error code (never by message text): gone, conflict, another object under
// that name, worth retrying, refused for good, or cancelled by the caller.
import { ApiException } from "@kubernetes/client-node";
import { DaemonError } from "../errors/daemon-error.js";

export type ApiFailure =
  | { readonly kind: "not-found" }
  | { readonly kind: "conflict"; readonly detail: string }
  /** 422 Invalid naming metadata.uid: the object under that name has another UID (deleted and recreated). */
  | { readonly kind: "uid-mismatch"; readonly detail: string }
  | { readonly kind: "unavailable"; readonly detail: string }
  | { readonly kind: "rejected"; readonly status: number; readonly detail: string }
  | { readonly kind: "cancelled" };

const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);

function httpStatus(err: unknown): number | undefined {
  if (err instanceof ApiException && typeof err.code === "number") return err.code;
  const code = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === "number" ? code : undefined;
}

/** Node/undici/node-fetch error code, walking `cause`. */
function errorCode(err: unknown): string | undefined {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
    const name = (e as { name?: unknown }).name;
    if (name === "AbortError" || name === "TimeoutError") return name;
  }
  return undefined;
}

interface StatusBody {
  readonly message?: unknown;
  readonly details?: { readonly causes?: ReadonlyArray<{ readonly field?: unknown }> };
}

/** The metav1.Status an API error carries as its body, when it does. */
function statusBody(err: unknown): StatusBody | undefined {
  const body = (err as { body?: unknown } | null)?.body;
  if (typeof body !== "string") return undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    return parsed !== null && typeof parsed === "object" ? (parsed as StatusBody) : undefined;
  } catch {
    return undefined; // not JSON
  }
}

/** The Status message of an API error body, or the error's own message (first line). */
function detailOf(err: unknown, status: number | undefined): string {
  const msg = statusBody(err)?.message;
  if (typeof msg === "string") return `HTTP ${status}: ${msg}`;
  const first = String((err as Error)?.message ?? err).split("\n")[0];
  return status === undefined ? first! : `HTTP ${status}: ${first}`;
}

/** A 422 whose causes name metadata.uid: what the API server answers a PATCH bound to a UID the object no longer has. */
function isUidMismatch(err: unknown): boolean {
  const causes = statusBody(err)?.details?.causes;
  return Array.isArray(causes) && causes.some((c) => c?.field === "metadata.uid");
}

export function classifyApiFailure(err: unknown, signal?: AbortSignal): ApiFailure {
  if (signal?.aborted) return { kind: "cancelled" };
  const status = httpStatus(err);
  if (status === 404) return { kind: "not-found" };
  if (status === 409) return { kind: "conflict", detail: detailOf(err, status) };
  if (status === 422 && isUidMismatch(err)) return { kind: "uid-mismatch", detail: detailOf(err, status) };
  if (status !== undefined && !RETRYABLE_STATUS.has(status))
    return { kind: "rejected", status, detail: detailOf(err, status) };
  const code = errorCode(err);
  // The caller's signal is not aborted, so an abort is the per-request deadline (kube-client's
  // callOptions); node-fetch words it "The user aborted a request", which nobody did.
  if (status === undefined && (code === "AbortError" || code === "TimeoutError"))
    return { kind: "unavailable", detail: "no answer within the per-request timeout" };
  const detail = status !== undefined ? detailOf(err, status) : `${code ? `${code}: ` : ""}${detailOf(err, undefined)}`;
  return { kind: "unavailable", detail };
}

/** The DaemonError for a failure that is not "not found": unreachable/refused → KUBE_API_UNAVAILABLE (CNI 11). */
export function apiFailureError(
  f: Exclude<ApiFailure, { kind: "not-found" }>,
  what: string,
  source: string,
  cause: unknown,
): DaemonError {
  if (f.kind === "cancelled")
    return new DaemonError("CANCELLED", `${what}: cancelled by the caller`, { phase: "kube", source }, { cause });
  const why =
    f.kind === "unavailable" || f.kind === "conflict"
      ? `the API server could not be reached (${f.detail})`
      : `the API server refused (${f.detail})`;
  return new DaemonError("KUBE_API_UNAVAILABLE", `${what}: ${why}`, { phase: "kube", source }, { cause });
}

/** One line for readiness reasons and logs. */
export function describeApiFailure(err: unknown): string {
  const f = classifyApiFailure(err);
  switch (f.kind) {
    case "not-found":
      return "HTTP 404 Not Found (is the resource installed, e.g. the NetworkAttachmentDefinition CRD?)";
    case "cancelled":
      return "cancelled";
    default:
      return f.detail;
  }
}
