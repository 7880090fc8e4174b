// Which CNI spec versions the shim speaks; the spec's rules (order, which version introduced a
// command) are the runtime's, in server/src/cni/spec.
//
// 0.3.0 and later only: results older than 0.3.0 have no `interfaces` and at most one address
// per family, so they cannot describe a multi-network pod; no supported runtime still
// configures them (containerd ≥1.6 and CRI-O use ≥0.3).
import {
  ALL_VERSIONS,
  CURRENT_VERSION,
  compareVersions,
  CniErrorCode,
  minVersionFor,
} from "../../server/src/cni/spec/index.js";
import { quoteInput } from "../../server/src/errors/bounded-text.js";
import { ShimError } from "./shim-error.js";
import type { CniCommand } from "./cni-env.js";

const OLDEST_SPOKEN = "0.3.0";
export const SUPPORTED_VERSIONS: readonly string[] = ALL_VERSIONS.filter((v) => compareVersions(v, OLDEST_SPOKEN) >= 0);
export const LATEST_VERSION = CURRENT_VERSION;

/** The VERSION answer: echoes the caller's version when it is one we speak. */
export function versionAnswer(requested: string | undefined): { cniVersion: string; supportedVersions: string[] } {
  const cniVersion = requested && SUPPORTED_VERSIONS.includes(requested) ? requested : LATEST_VERSION;
  return { cniVersion, supportedVersions: [...SUPPORTED_VERSIONS] };
}

/** Throws code 1 when `version` is not supported, or too old for `command`. */
export function checkVersion(command: CniCommand, version: string): void {
  if (!SUPPORTED_VERSIONS.includes(version)) {
    throw new ShimError(
      CniErrorCode.IncompatibleVersion,
      "incompatible CNI versions",
      `config is ${quoteInput(version)}, netattach-cni supports ${SUPPORTED_VERSIONS.join(", ")}`,
    );
  }
  const min = minVersionFor(command);
  if (min !== undefined && compareVersions(version, min) < 0) {
    throw new ShimError(
      CniErrorCode.IncompatibleVersion,
      `config version does not allow ${command}`,
      `config is "${version}", ${command} needs ${min} or later`,
    );
  }
}
