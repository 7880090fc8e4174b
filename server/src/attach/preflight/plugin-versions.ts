// Every delegate's plugins, and their IPAM plugins, can run at the version they would be
// given (the runtime's ValidateNetworkList, VERSION only). A refusal says nothing ran: a
// config whose cniVersion no binary speaks is the config's problem, not a plugin failure.
import { isCniError, type CniRuntime } from "../../cni/index.js";
import { DaemonError } from "../../errors/daemon-error.js";
import { toDaemonError } from "../cni-error.js";
import type { DelegateFacts } from "./delegate-facts.js";
import { contextOf, describeDelegate, REFUSED } from "./finding.js";

export type ValidateList = CniRuntime["validateNetworkList"];

export async function checkPluginVersions(
  all: readonly DelegateFacts[],
  validate: ValidateList,
  signal?: AbortSignal,
): Promise<void> {
  for (const f of all) {
    try {
      await validate(f.list, signal !== undefined ? { signal } : {});
    } catch (err) {
      if (isCniError(err) && err.kind === "incompatible-version") {
        throw new DaemonError(
          "INCOMPATIBLE_CNI_VERSION",
          `${describeDelegate(f)}: ${err.msg}; ${REFUSED}`,
          { ...contextOf(f, err.plugin), cniCode: err.code },
          { cause: err },
        );
      }
      throw toDaemonError(
        err,
        { network: f.delegate.network, ifName: f.delegate.ifName, phase: "preflight", source: f.source },
        signal,
      );
    }
  }
}
