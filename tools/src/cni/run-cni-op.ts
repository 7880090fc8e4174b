// One `netattachctl cni` operation on the runtime; returns what goes to stdout.
import type { CniRuntime, InvokeOptions, NetworkConfigList, RuntimeConf } from "../../../server/src/cni/index.js";
import { structuredText } from "../output/output-format.js";
import type { CniInvocation } from "./cni-options.js";

export async function runCniOp(
  runtime: CniRuntime,
  inv: CniInvocation,
  list: NetworkConfigList | undefined,
  opts: InvokeOptions,
): Promise<string> {
  if (inv.op === "version") return structuredText(inv.output, await runtime.getVersionInfo(inv.target, opts));
  if (list === undefined) throw new Error(`cni ${inv.op} needs a network configuration`);
  switch (inv.op) {
    case "add":
      return structuredText(inv.output, await runtime.addNetworkList(list, runtimeConf(inv), opts));
    case "check":
      await runtime.checkNetworkList(list, runtimeConf(inv), opts);
      return "";
    case "del":
      await runtime.delNetworkList(list, runtimeConf(inv), opts);
      return "";
    case "gc":
      await runtime.gcNetworkList(
        list,
        inv.validAttachments === undefined ? {} : { validAttachments: inv.validAttachments },
        opts,
      );
      return "";
    case "status":
      await runtime.getStatusNetworkList(list, opts);
      return "";
  }
}

function runtimeConf(inv: CniInvocation): RuntimeConf {
  return {
    containerId: inv.containerId,
    netns: inv.netns,
    ifName: inv.ifName,
    args: inv.cniArgs,
    ...(inv.capArgs !== undefined ? { capabilityArgs: inv.capArgs } : {}),
  };
}
