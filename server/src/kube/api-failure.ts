// What a failed API call means for us, decided by HTTP status or Node error code (never by
// message text): gone, conflict, worth retrying, refused for good, or cancelled by the caller.
import { ApiException } from "@kubernetes/client-node";
import { DaemonError } from "../errors/daemon-error.js";

export type ApiFailure =
  | { readonly kind: "not-found" }
  | { readonly kind: "conflict"; readonly detail: string }
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

/** The Status message of an API error body, or the error's own message (first line). */
function detailOf(err: unknown, status: number | undefined): string {
  const body = (err as { body?: unknown }).body;
  if (typeof body === "string") {
    try {
      const msg = (JSON.parse(body) as { message?: unknown }).message;
      if (typeof msg === "string") return `HTTP ${status}: ${msg}`;
    } catch {
      /* not JSON */
    }
  }
  const first = String((err as Error)?.message ?? err).split("\n")[0];
  return status === undefined ? first! : `HTTP ${status}: ${first}`;
}

export function classifyApiFailure(err: unknown, signal?: AbortSignal): ApiFailure {
  if (signal?.aborted) return { kind: "cancelled" };
  const status = httpStatus(err);
  if (status === 404) return { kind: "not-found" };
  if (status === 409) return { kind: "conflict", detail: detailOf(err, status) };
  if (status !== undefined && !RETRYABLE_STATUS.has(status)) return { kind: "rejected", status, detail: detailOf(err, status) };
  const code = errorCode(err);
  const detail = status !== undefined ? detailOf(err, status) : `${code ? `${code}: ` : ""}${detailOf(err, undefined)}`;
  return { kind: "unavailable", detail };
}

/** The DaemonError for a failure that is not "not found": unreachable/refused → KUBE_API_UNAVAILABLE (CNI 11). */
export function apiFailureError(f: Exclude<ApiFailure, { kind: "not-found" }>, what: string, source: string, cause: unknown): DaemonError {
  if (f.kind === "cancelled") return new DaemonError("CANCELLED", `${what}: cancelled by the caller`, { phase: "kube", source }, { cause });
  const why = f.kind === "rejected" ? `the API server refused (${f.detail})` : `the API server could not be reached (${f.detail})`;
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
