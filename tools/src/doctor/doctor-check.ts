// One node check of `netattachctl doctor`: what was found and, when it is not ok, the fix.

export type CheckStatus = "ok" | "warn" | "fail" | "skip";

export interface CheckResult {
  /** Short stable id: daemon, config, conf-order, shim, plugins, kernel, stale-state, ipam-reservations. */
  readonly check: string;
  readonly status: CheckStatus;
  readonly message: string;
  /** What to run or change; set for warn and fail. */
  readonly fix?: string;
}

export function formatCheck(r: CheckResult): string {
  const tag = { ok: "[ok]  ", warn: "[warn]", fail: "[FAIL]", skip: "[skip]" }[r.status];
  const lines = [`${tag} ${r.check}: ${r.message.replace(/\n/g, "\n       ")}`];
  if (r.fix !== undefined) lines.push(`       fix: ${r.fix.replace(/\n/g, "\n            ")}`);
  return lines.join("\n") + "\n";
}
