// What an orphan's cause says when netattach's own IPAM release failed. When the IPAM plugin refuses
// the delegate's config itself, "addresses could not be released" alone sends the operator after a
// store or a disk: the release runs the saved config (exactly what the ADD ran), so every retry fails
// alike, and the operator has to act. Two signs that it is the config, neither read from message text:
// the plugin's CNI code says so (2 unsupported field, 6 cannot decode, 7 invalid config: CNI spec),
// or the ADD being rolled back failed with the very same error (code and message): the same input
// refused the same way, before the plugin reserved anything with it. A binary that is missing or
// cannot be run carries code 7 too, but is the node's (binaryUnusable, the rule that orphans such a
// plugin's DEL as retryable): the record must stay for the reconciler, which releases the addresses
// once the binary is back.
import { isCniError, type CniError } from "../cni/index.js";
import type { DaemonError } from "../errors/daemon-error.js";
import type { PlannedDelegate } from "./attachment-plan.js";
import { describeOrigin } from "./origin.js";
import { binaryUnusable } from "./cni-error.js";

const CONFIG_CODES: ReadonlySet<number> = new Set([2, 6, 7]);

export function ipamReleaseFailure(
  error: DaemonError,
  delegate: PlannedDelegate,
  containerId: string,
  /** The ADD's own failure, when this release rolls that ADD back. */
  failedAdd?: DaemonError,
): string {
  const plain = `addresses could not be released: ${error.message}`;
  if (binaryUnusable(error))
    return `${plain}; the reconciler releases them once the plugin's binary is back in a cniBinDirs directory and executable`;
  const sameAsAdd = failedAdd !== undefined && sameRefusal(cniOf(error), cniOf(failedAdd));
  if (!sameAsAdd && (error.context.cniCode === undefined || !CONFIG_CODES.has(error.context.cniCode))) return plain;
  const plugin = error.context.plugin !== undefined ? `IPAM plugin "${error.context.plugin}"` : "the IPAM plugin";
  const why = sameAsAdd
    ? `the ADD failed on the same error, so it reserved no address with this config`
    : `its CNI code ${error.context.cniCode} says the config is invalid`;
  return (
    `${plain}. The config itself is broken: ${plugin} refuses network "${delegate.network}"'s config ` +
    `(${describeOrigin(delegate.origin)}, saved as the ADD ran it) and ${why}; every retry sends the same ` +
    `config and fails alike. Fix the network's config for new pods; for this one, release by hand any address ` +
    `it holds for container ${containerId}${sameAsAdd ? " (none is expected)" : ""}, then delete its ` +
    `orphan record (<stateDir>/orphans/${containerId}.json)`
  );
}

function cniOf(e: DaemonError): CniError | undefined {
  return isCniError(e.cause) ? e.cause : undefined;
}

function sameRefusal(a: CniError | undefined, b: CniError | undefined): boolean {
  return a !== undefined && b !== undefined && a.code === b.code && a.msg === b.msg;
}
