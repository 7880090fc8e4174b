// `netattachctl detach-network`: DetachNetwork — one network off a running sandbox.
import { DetachNetworkResponse } from "../../../proto/gen/netattach/v1/attachment_service.js";
import { ExitCode, UsageError, type Command, type CommandContext } from "../command.js";
import { COMMON_USAGE, commonFlags, parseCommand } from "../daemon/daemon-options.js";
import { runRpc } from "../daemon/run-rpc.js";
import { printResult } from "../output/print-result.js";
import { outputJson } from "../output/proto-json.js";
import { detachOutcomeTable, orphanWarning } from "../output/detach-outcome.js";

const usage = `Usage: netattachctl detach-network --container-id ID (--interface IF | --network NS/NAME) [flags]

Hot-unplug: detaches one network from a running sandbox through the same cleanup as a DEL; the
sandbox's other interfaces stay. The cluster network is only removed by detaching the sandbox.

  --container-id ID        the sandbox
  --interface IF           the interface in the pod, e.g. net2
  --network NS/NAME        the network (refused when the pod has it on more than one interface)

${COMMON_USAGE}`;

export const detachNetworkCommand: Command = {
  name: "detach-network",
  summary: "hot-unplug one network from a running sandbox (DetachNetwork)",
  usage,
  run,
};

async function run(ctx: CommandContext): Promise<ExitCode> {
  const { values } = parseCommand(ctx.argv, {
    "container-id": { type: "string" },
    interface: { type: "string" },
    network: { type: "string" },
  });
  const flags = commonFlags(values, ctx);
  const containerId = values["container-id"];
  if (!containerId) throw new UsageError("--container-id is required");
  if ((values.interface === undefined) === (values.network === undefined))
    throw new UsageError("give exactly one of --interface and --network");
  const target =
    values.interface !== undefined ? { interface: values.interface } : { network: networkRef(values.network!) };
  return runRpc(ctx, flags, async (client, opts) => {
    const res = await client.api.detachNetwork({ containerId, ...target }, opts);
    printResult(ctx.stdout, flags.output, {
      data: () => outputJson(DetachNetworkResponse.toJSON(res)),
      text: () => detachOutcomeTable(res),
    });
    ctx.stderr.write(orphanWarning(containerId, res.orphaned));
    return ExitCode.Ok;
  });
}

function networkRef(value: string): { namespace: string; name: string } {
  const parts = value.split("/");
  if (parts.length !== 2 || parts[0] === "" || parts[1] === "")
    throw new UsageError(`--network must be NAMESPACE/NAME, got "${value}"`);
  return { namespace: parts[0]!, name: parts[1]! };
}
