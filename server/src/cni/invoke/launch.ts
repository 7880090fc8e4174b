// One plugin run as a launcher sees it: start the binary with the request's stdin and env,
// collect its output, stop it at the deadline, on abort or when stdout is over the bound. What
// the run means (plugin error, retry, error text) is decided in spawn-exec.ts, the same for
// every launcher.
import type { ExecRequest } from "./types.js";

/** Why a launcher killed the run's process group. */
export type Stop = "timeout" | "aborted" | "overflow";

export interface LaunchLimits {
  /** Hard limit on stdout; more kills the run (stop "overflow"). */
  readonly maxStdout: number;
  /** Stderr kept: the tail. */
  readonly maxStderr: number;
}

export interface LaunchResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Empty when the run was stopped. */
  readonly stdout: Buffer;
  /** The tail, with a note of what was dropped. */
  readonly stderr: string;
  readonly stop?: Stop;
}

/**
 * Runs `req` once. Rejects with a Node-style errno error (`code` "ENOENT", "ETXTBSY", ...)
 * when the plugin could not be started; resolves however it ended once it did.
 */
export type Launch = (req: ExecRequest, limits: LaunchLimits) => Promise<LaunchResult>;

/** Arms the deadline and the caller's abort for one run; returns the disarm function. */
export function armStops(req: Pick<ExecRequest, "timeoutMs" | "signal">, kill: (why: Stop) => void): () => void {
  const onAbort = (): void => kill("aborted");
  const timer = setTimeout(() => kill("timeout"), req.timeoutMs);
  req.signal?.addEventListener("abort", onAbort, { once: true });
  return () => {
    clearTimeout(timer);
    req.signal?.removeEventListener("abort", onAbort);
  };
}

/** The text of a kept stderr tail, saying how much was dropped before it. */
export function stderrText(tail: Buffer, dropped: number): string {
  const body = tail.toString("utf8");
  return dropped > 0 ? `…[${dropped} bytes of stderr dropped]\n${body}` : body;
}
