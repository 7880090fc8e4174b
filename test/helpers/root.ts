// Root-only tests: they run in CI (CI=true) always, and fail there if not root.
// Outside CI, as a normal user, they are skipped — loudly.
import { describe, it } from "vitest";

export const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
export const inCi = process.env.CI === "true" || process.env.CI === "1";

let warned = false;
function warnSkip(name: string): void {
  if (!warned) {
    warned = true;
    process.stderr.write(
      "\n" +
        "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n" +
        "!! ROOT TESTS SKIPPED: not running as root and not in CI.               !!\n" +
        "!! They need real network namespaces and CNI plugins; run `sudo npm test`.!!\n" +
        "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n",
    );
  }
  process.stderr.write(`!! skipped root suite: ${name}\n`);
}

/** `describe` for suites that need root. In CI without root, the suite fails instead of skipping. */
export function describeRoot(name: string, fn: () => void): void {
  if (isRoot) {
    describe(name, fn);
  } else if (inCi) {
    describe(name, () => {
      it("runs as root in CI", () => {
        throw new Error(`root suite "${name}" must run as root in CI (uid=${process.getuid?.()})`);
      });
    });
  } else {
    warnSkip(name);
    describe.skip(name, fn);
  }
}
