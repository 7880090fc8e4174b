// Defaults of the edge's timeouts and retry bounds. A live GET is bounded by
// liveGetAttempts × requestTimeoutMs plus backoff (≈ 3 × 5 s + 0.6 s): long enough for a
// busy API server (Multus thin's 250 ms per call fails under load), short enough for a CNI ADD.
// While the API server is failing, informers and live GETs wait 250 ms doubling to 30 s
// (client-go's reflector caps at 30 s too): a few requests a minute per node, not one a second.
import type { KubeTuning } from "./kube-edge.js";

export const DEFAULT_KUBE_TUNING: KubeTuning = {
  requestTimeoutMs: 5_000,
  listTimeoutMs: 60_000,
  listPageSize: 500,
  liveGetAttempts: 3,
  statusWriteAttempts: 5,
  retryBackoffMs: 200,
  backoffMinMs: 250,
  backoffMaxMs: 30_000,
  negativeLookupTtlMs: 300_000,
  watchTimeoutSeconds: 300,
  eventSeriesFinishMs: 360_000,
  eventSeriesRefreshMs: 1_800_000,
  eventQueueSize: 1_000,
  eventBurst: 25,
  eventRefillMs: 300_000,
  eventWriteAttempts: 3,
};

export function kubeTuning(overrides: Partial<KubeTuning> | undefined): KubeTuning {
  return { ...DEFAULT_KUBE_TUNING, ...overrides };
}
