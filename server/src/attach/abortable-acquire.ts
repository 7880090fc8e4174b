// Wait for a lock, giving up when the signal fires; a grant that arrives after giving up is released at once.
import { DaemonError } from "../errors/daemon-error.js";
import { isTimeout } from "./cni-error.js";

export type Release = () => void;

export function abortError(signal: AbortSignal, what: string): DaemonError {
  const timedOut = isTimeout(signal.reason);
  return new DaemonError(timedOut ? "PLUGIN_TIMEOUT" : "CANCELLED", `${timedOut ? "deadline exceeded" : "cancelled"} while ${what}`, {}, { cause: signal.reason });
}

export function acquireWithSignal(acquire: Promise<Release>, signal: AbortSignal | undefined, what: string): Promise<Release> {
  if (signal === undefined) return acquire;
  if (signal.aborted) {
    void acquire.then((release) => release());
    return Promise.reject(abortError(signal, what));
  }
  return new Promise<Release>((resolve, reject) => {
    let settled = false;
    const onAbort = (): void => {
      if (settled) return;
      settled = true;
      reject(abortError(signal, what));
    };
    signal.addEventListener("abort", onAbort, { once: true });
    acquire.then(
      (release) => {
        signal.removeEventListener("abort", onAbort);
        if (settled) return release();
        settled = true;
        resolve(release);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        if (!settled) {
          settled = true;
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      },
    );
  });
}
