// `netattachctl attach-network`: AttachNetwork — one more network on a running sandbox.
import { AttachNetworkResponse } from "../../../proto/gen/netattach/v1/attachment_service.js";
import { ExitCode, UsageError, type Command, type CommandContext } from "../command.js";
import { COMMON_USAGE, commonFlags, parseCommand } from "../daemon/daemon-options.js";
import { runRpc } from "../daemon/run-rpc.js";
import { selectionFlag } from "../daemon/selection-flag.js";
import { printResult } from "../output/print-result.js";
import { outputJson } from "../output/proto-json.js";
import { INTERFACE_COLUMNS } from "./attach.js";
import { renderTable } from "../output/table.js";

const usage = `Usage: netattachctl attach-network --container-id ID --network VALUE [flags]

Hot-plug: attaches one more network to a sandbox that is attached already, planned against the
interfaces it has (names, default routes, IPAM ranges are checked before any plugin runs); a
failure rolls back only the new network. Prints the interface it got.

  --container-id ID        the sandbox
  --network VALUE          one element of the networks annotation: "ns/name@if", or a JSON
                           object such as '{"name":"ptp-conf","interface":"data1","ips":["10.9.0.5/24"]}'
                           (no namespace = the pod's; no interface = the next free netN)

${COMMON_USAGE}`;

export const attachNetworkCommand: Command = {
  name: "attach-network",
  summary: "hot-plug one network into a running sandbox (AttachNetwork)",
  usage,
  run,
};

async function run(ctx: CommandContext): Promise<ExitCode> {
  const { values } = parseCommand(ctx.argv, { "container-id": { type: "string" }, network: { type: "string" } });
  const flags = commonFlags(values, ctx);
  const containerId = values["container-id"];
  if (!containerId || values.network === undefined) throw new UsageError("--container-id and --network are required");
  const selection = selectionFlag(values.network);
  return runRpc(ctx, flags, async (client, opts) => {
    const res = await client.api.attachNetwork({ containerId, selection }, opts);
    printResult(ctx.stdout, flags.output, {
      data: () => outputJson(AttachNetworkResponse.toJSON(res)),
      text: (wide) => renderTable(INTERFACE_COLUMNS, res.interface ? [res.interface] : [], wide),
    });
    return ExitCode.Ok;
  });
}
