// Waiting, bounded, for a daemon that has not been ready yet to become so: for a DEL with nothing
// saved, whose cluster network may not resolve before the sources have synced (detach-unrecorded.ts).
// Readiness is the poller's (health/readiness.ts): this asks it now and again, sharing its check
// with every other caller, with backoff, until it says ready, shutdown starts, or time is out.
import { setTimeout as sleep } from "node:timers/promises";
import { createBackoff } from "../retry/index.js";
import type { ReadinessView } from "./contract.js";

const POLL = { minMs: 250, maxMs: 2_000 };

/** Ready (now or once before), or why not when `signal` fired or shutdown began first. */
export async function waitForFirstReadiness(
  readiness: ReadinessView,
  signal: AbortSignal,
): Promise<{ readonly ready: true } | { readonly ready: false; readonly reasons: readonly string[] }> {
  const backoff = createBackoff(POLL);
  let reasons: readonly string[] = ["readiness not established yet"];
  for (;;) {
    if (readiness.stopping()) return { ready: false, reasons: ["netattachd is shutting down"] };
    if (readiness.reached()) return { ready: true };
    if (signal.aborted) return { ready: false, reasons };
    try {
      const verdict = await untilAborted(readiness.checkNow(), signal);
      if (verdict === undefined) continue; // out of time: said on the next turn
      if (verdict.ready) return { ready: true };
      if (verdict.reasons.length > 0) reasons = verdict.reasons;
    } catch (err) {
      reasons = [`readiness check failed: ${err instanceof Error ? err.message : String(err)}`];
    }
    await sleep(backoff.next(), undefined, { signal }).catch(() => undefined);
  }
}

/** `p`'s value, or undefined once `signal` fires first (the shared check goes on for the others). */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  return new Promise<T | undefined>((resolve, reject) => {
    const onAbort = (): void => resolve(undefined);
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
