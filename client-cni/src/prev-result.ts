// CHECK's prevResult (SPEC: "the prevResult of the immediately preceding ADD", in the conf's
// version) decoded by the rules the daemon applies to every plugin result, so a garbage one is
// the caller's error, said before the daemon is called. Absent (or null, as Go decodes it) is
// fine: libcni omits it when its cache holds no result.
import { CniError, CniErrorCode } from "../../server/src/cni/spec/index.js";
import { parseResult } from "../../server/src/cni/result/index.js";
import { quoteInput } from "../../server/src/errors/bounded-text.js";
import type { ShimConf } from "./shim-conf.js";
import { ShimError } from "./shim-error.js";

/** Throws a ShimError when the conf's prevResult is not a result of the conf's cniVersion. */
export function checkPrevResult(conf: ShimConf): void {
  if (conf.prevResult === undefined || conf.prevResult === null) return;
  let version: string;
  try {
    ({ cniVersion: version } = parseResult(conf.prevResult, conf.cniVersion));
  } catch (err) {
    if (!(err instanceof CniError)) throw err;
    throw new ShimError(err.code, `prevResult is not a CNI ${conf.cniVersion} result`, err.msg, { cause: err });
  }
  // The runtime hands CHECK the ADD result converted to the conf's version (libcni does).
  if (version !== conf.cniVersion)
    throw new ShimError(
      CniErrorCode.IncompatibleVersion,
      `prevResult is not a CNI ${conf.cniVersion} result`,
      `its cniVersion is ${quoteInput(version)}, the conf's is "${conf.cniVersion}"`,
    );
}
