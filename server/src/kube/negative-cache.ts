// Remembers "the API said 404" for definitions. Safe because the informer cache is asked
// first: a definition created later reaches the cache through the watch and wins. An entry
// is trusted only while the informer has stayed synced since it was made (a watch gap could
// have hidden the creation) and for at most ttlMs.
export interface NegativeCache {
  /** Milliseconds since the remembered 404, or undefined when there is none to trust. */
  age(key: string, epoch: number | undefined): number | undefined;
  remember(key: string, epoch: number): void;
}

const MAX_ENTRIES = 1_000;

export function createNegativeCache(ttlMs: number, now: () => number = Date.now): NegativeCache {
  const entries = new Map<string, { epoch: number; at: number }>();
  return {
    age(key, epoch) {
      const e = entries.get(key);
      if (!e) return undefined;
      const age = now() - e.at;
      if (epoch === undefined || e.epoch !== epoch || age >= ttlMs) {
        entries.delete(key);
        return undefined;
      }
      return age;
    },
    remember(key, epoch) {
      if (ttlMs <= 0) return;
      if (entries.size >= MAX_ENTRIES) entries.clear(); // a crude bound; misses only cost a GET
      entries.set(key, { epoch, at: now() });
    },
  };
}
