import type { ConfigWarning } from "./config-keys.js";

/** Every problem found in the daemon's configuration, reported at once, and the keys it would have ignored. */
export class ConfigError extends Error {
  readonly issues: readonly string[];
  readonly warnings: readonly ConfigWarning[];

  constructor(issues: readonly string[], options?: { cause?: unknown; warnings?: readonly ConfigWarning[] }) {
    super(
      `invalid configuration (${issues.length} problem${issues.length === 1 ? "" : "s"}):\n  - ${issues.join("\n  - ")}`,
      options,
    );
    this.name = "ConfigError";
    this.issues = issues;
    this.warnings = options?.warnings ?? [];
  }
}
