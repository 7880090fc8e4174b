// Which CNI spec versions the shim speaks, and per-command minimums (as libcni's skel).
//
// 0.3.0 … 1.1.0 only: results older than 0.3.0 have no `interfaces` and at most one
// address per family, so they cannot describe a multi-network pod; no supported runtime
// still configures them (containerd ≥1.6 and CRI-O use ≥0.3). CHECK needs ≥0.4.0 and
// GC/STATUS need 1.1.0, exactly as the spec introduced them.
import { quoteInput } from "../../server/src/errors/bounded-text.js";
import { CniCode, ShimError } from "./shim-error.js";
import type { CniCommand } from "./cni-env.js";

export const SUPPORTED_VERSIONS = ["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"] as const;
export const LATEST_VERSION = "1.1.0";

const MIN_VERSION: Partial<Record<CniCommand, string>> = { CHECK: "0.4.0", GC: "1.1.0", STATUS: "1.1.0" };

function compare(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The VERSION answer: echoes the caller's version when it is one we speak. */
export function versionAnswer(requested: string | undefined): { cniVersion: string; supportedVersions: string[] } {
  const cniVersion = requested && (SUPPORTED_VERSIONS as readonly string[]).includes(requested) ? requested : LATEST_VERSION;
  return { cniVersion, supportedVersions: [...SUPPORTED_VERSIONS] };
}

/** Throws code 1 when `version` is not supported, or too old for `command`. */
export function checkVersion(command: CniCommand, version: string): void {
  if (!(SUPPORTED_VERSIONS as readonly string[]).includes(version)) {
    throw new ShimError(
      CniCode.IncompatibleVersion,
      "incompatible CNI versions",
      `config is ${quoteInput(version)}, netattach-cni supports ${SUPPORTED_VERSIONS.join(", ")}`,
    );
  }
  const min = MIN_VERSION[command];
  if (min !== undefined && compare(version, min) < 0) {
    throw new ShimError(CniCode.IncompatibleVersion, `config version does not allow ${command}`, `config is "${version}", ${command} needs ${min} or later`);
  }
}
