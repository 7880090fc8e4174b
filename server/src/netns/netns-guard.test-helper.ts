// A NetnsGuard from an inspect function alone, for tests that need no namespaces: its pins hold
// nothing and hand plugins the path itself.
import type { NetnsGuard, NetnsInspection } from "./netns-guard.js";

export function guardFromInspect(
  inspect: (path: string) => NetnsInspection,
  findHolder?: (id: string) => string | undefined,
): NetnsGuard {
  return {
    inspect,
    pin: (path) => {
      const seen = inspect(path);
      return seen.ok ? { ok: true, id: seen.id, handle: path, release: () => undefined } : seen;
    },
    ...(findHolder !== undefined ? { findHolder } : {}),
  };
}
