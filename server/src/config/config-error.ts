/** Every problem found in the daemon's configuration, reported at once. */
export class ConfigError extends Error {
  readonly issues: readonly string[];

  constructor(issues: readonly string[], options?: { cause?: unknown }) {
    super(
      `invalid configuration (${issues.length} problem${issues.length === 1 ? "" : "s"}):\n  - ${issues.join("\n  - ")}`,
      options,
    );
    this.name = "ConfigError";
    this.issues = issues;
  }
}
