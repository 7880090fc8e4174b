// Spaces out live requests while the API server is failing, so an outage on every node does not
// turn into a request per ADD and per readiness poll against a server trying to recover. After a
// failure no live GET is sent until a backoff pause has passed (retry/backoff.ts: doubling,
// capped, jittered), and the requests then sent make one try instead of their retries. Any
// success — a live request, or an informer (re)gaining sync — opens it again at once.
import { type BackoffPolicy, createBackoff } from "../retry/index.js";
import type { ApiFailure } from "./api-failure.js";

export interface ApiGate {
  /** Milliseconds until a live GET may be sent; 0 = now. */
  closedForMs(): number;
  /** The last live request failed: a request sent now makes one try. */
  failing(): boolean;
  /** What the last failure was, for error messages. */
  lastFailure(): string | undefined;
  succeeded(): void;
  failed(detail: string): void;
  /** How a request ended (undefined = success): no answer (unreachable, 5xx, 429) closes the gate, any other answer opens it, a cancellation tells nothing. */
  observe(failure?: ApiFailure): void;
}

export function createApiGate(policy: BackoffPolicy, now: () => number = Date.now, random?: () => number): ApiGate {
  const backoff = createBackoff(policy, random);
  let openAt = 0;
  let last: string | undefined;
  const succeeded = (): void => {
    backoff.reset();
    openAt = 0;
    last = undefined;
  };
  const failed = (detail: string): void => {
    last = detail;
    openAt = now() + backoff.next();
  };
  return {
    closedForMs: () => Math.max(0, openAt - now()),
    failing: () => backoff.failures() > 0,
    lastFailure: () => last,
    succeeded,
    failed,
    observe(failure) {
      if (failure?.kind === "unavailable") failed(failure.detail);
      else if (failure?.kind !== "cancelled") succeeded();
    },
  };
}
