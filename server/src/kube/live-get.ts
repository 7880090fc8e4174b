// One live GET as the pod and definition sources make it when their cache cannot answer:
// bounded retries of what may pass (5xx, 429, unreachable), 404 as "not there", anything else a
// catalog error naming what was read. While the API server is failing (api-gate.ts) it is not
// sent at all until the gate's pause has passed, and then makes a single try.
import type { Logger } from "pino";
import { apiFailureError, classifyApiFailure } from "./api-failure.js";
import type { ApiGate } from "./api-gate.js";
import type { KubeTuning } from "./kube-edge.js";
import { withRetry } from "../retry/index.js";

export interface LiveGetDeps {
  readonly gate: ApiGate;
  readonly tuning: KubeTuning;
  readonly log: Logger;
}

/** `source` names the object, e.g. "pod ns/name"; resolves undefined on 404. */
export async function liveGet(
  deps: LiveGetDeps,
  source: string,
  get: () => Promise<unknown>,
  signal?: AbortSignal,
): Promise<unknown> {
  const { gate, tuning, log } = deps;
  const what = `reading ${source}`;
  const closedMs = gate.closedForMs();
  if (closedMs > 0) {
    const detail = `${gate.lastFailure() ?? "it failed"}; not asked again for another ${Math.ceil(closedMs / 1000)} s`;
    throw apiFailureError({ kind: "unavailable", detail }, what, source, undefined);
  }
  try {
    const obj = await withRetry(get, {
      attempts: gate.failing() ? 1 : tuning.liveGetAttempts,
      backoff: { minMs: tuning.retryBackoffMs, maxMs: tuning.backoffMaxMs },
      ...(signal ? { signal } : {}),
      retryable: (err) => classifyApiFailure(err, signal).kind === "unavailable",
      onRetry: (err, attempt) => log.debug({ err, attempt, source }, "live GET failed; retrying"),
    });
    gate.observe();
    return obj;
  } catch (err) {
    const failure = classifyApiFailure(err, signal);
    gate.observe(failure);
    if (failure.kind === "not-found") return undefined;
    throw apiFailureError(failure, what, source, err);
  }
}
