// A token bucket per key (a pod): `burst` writes at once, then one more per `refillMs`. Buckets
// that have refilled are swept when many keys are held, so memory follows recent writers only.

export interface KeyedRateLimit {
  take(key: string, now: number): boolean;
}

const SWEEP_ABOVE = 1024;

export function createKeyedRateLimit(opts: { readonly burst: number; readonly refillMs: number }): KeyedRateLimit {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const tokensAt = (b: { tokens: number; at: number }, now: number): number =>
    Math.min(opts.burst, b.tokens + (now - b.at) / opts.refillMs);
  return {
    take(key, now) {
      const b = buckets.get(key);
      const tokens = b ? tokensAt(b, now) : opts.burst;
      if (tokens < 1) {
        buckets.set(key, { tokens, at: now });
        return false;
      }
      buckets.set(key, { tokens: tokens - 1, at: now });
      if (buckets.size > SWEEP_ABOVE)
        for (const [k, v] of buckets) if (tokensAt(v, now) >= opts.burst) buckets.delete(k);
      return true;
    },
  };
}
