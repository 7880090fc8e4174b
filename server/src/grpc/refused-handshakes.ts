// One warning per TLS connection the TCP listener refuses (no client certificate, one of another
// CA, plaintext, no HTTP/2), naming the peer and the reason: what an operator needs when a client
// "cannot connect". Bounded, because anyone who reaches the port can cause them: at most
// REFUSALS_LOGGED_PER_WINDOW lines a minute. That shows every misconfigured client (grpc-js
// retries a refused handshake after 1 s, then backs off), while a scanner's thousands a second
// cost one line per 6 s; the refusals past the bound are counted, and the count is logged, with
// the last peer and reason, when the minute ends.
import type { Logger } from "pino";

export const REFUSALS_LOGGED_PER_WINDOW = 10;
export const REFUSAL_WINDOW_MS = 60_000;

export interface RefusedHandshakes {
  refused(peer: string, reason: string): void;
  /** Logs the count still unlogged and stops the timer (shutdown). */
  close(): void;
}

export function createRefusedHandshakes(log: Logger): RefusedHandshakes {
  let windowStart = -Infinity;
  let logged = 0;
  let unlogged = 0;
  let last: { peer: string; reason: string } | undefined;
  let timer: NodeJS.Timeout | undefined;

  const flush = (): void => {
    clearTimeout(timer);
    timer = undefined;
    if (unlogged === 0) return;
    log.warn(
      { refused: unlogged, lastPeer: last?.peer, lastReason: last?.reason, windowMs: REFUSAL_WINDOW_MS },
      `refused ${unlogged} more TLS connection(s) on the TCP listener, not logged one by one (at most ${REFUSALS_LOGGED_PER_WINDOW} a minute)`,
    );
    unlogged = 0;
  };

  return {
    refused(peer, reason) {
      const t = Date.now();
      if (t - windowStart >= REFUSAL_WINDOW_MS) {
        flush();
        windowStart = t;
        logged = 0;
      }
      if (logged < REFUSALS_LOGGED_PER_WINDOW) {
        logged += 1;
        log.warn({ peer, reason }, "refused a TLS connection on the TCP listener");
        return;
      }
      unlogged += 1;
      last = { peer, reason };
      timer ??= setTimeout(flush, windowStart + REFUSAL_WINDOW_MS - t).unref();
    },
    close: flush,
  };
}
