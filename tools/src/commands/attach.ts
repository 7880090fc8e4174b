// `netattachctl attach`: AttachNetworks for a sandbox; prints the interfaces it got.
import { AttachNetworksResponse } from "../../../proto/gen/netattach/v1/attachment_service.js";
import type { AttachedInterface } from "../../../proto/gen/netattach/v1/attachment.js";
import { ExitCode, UsageError, type Command, type CommandContext } from "../command.js";
import { COMMON_USAGE, commonFlags, parseCommand } from "../daemon/daemon-options.js";
import { runRpc } from "../daemon/run-rpc.js";
import { SANDBOX_OPTIONS, SANDBOX_USAGE, sandboxRequest } from "../daemon/sandbox-flags.js";
import { printResult } from "../output/print-result.js";
import { outputJson } from "../output/proto-json.js";
import { renderTable, type Column } from "../output/table.js";

const usage = `Usage: netattachctl attach --pod NS/NAME[/UID] --container-id ID --netns PATH [flags]

Attaches the sandbox to its networks (cluster network, default networks, selected ones)
through netattachd, and prints each interface.

  --cni-version V          version of the primary result (default: the cluster network's)

${SANDBOX_USAGE}
${COMMON_USAGE}`;

export const attachCommand: Command = {
  name: "attach",
  summary: "attach a pod sandbox to its networks (AttachNetworks)",
  usage,
  run,
};

/** One row per interface; attach-network prints its one interface the same way. */
export const INTERFACE_COLUMNS: readonly Column<AttachedInterface>[] = [
  { header: "INTERFACE", value: (i) => i.interface },
  { header: "NETWORK", value: (i) => i.network },
  { header: "IPS", value: (i) => i.ips.map((ip) => ip.address).join(",") || "-" },
  { header: "MAC", value: (i) => i.mac || "-" },
  { header: "MTU", value: (i) => (i.mtu !== undefined ? String(i.mtu) : "-"), wide: true },
  { header: "GATEWAYS", value: (i) => i.gateways.join(",") || "-", wide: true },
  // As in `list`: the interface holds the pod's default route (not "is the cluster network", which a
  // default-route selection on another network makes untrue).
  { header: "DEFAULT", value: (i) => (i.gateways.length > 0 ? "yes" : "") },
];

async function run(ctx: CommandContext): Promise<ExitCode> {
  const { values } = parseCommand(ctx.argv, { ...SANDBOX_OPTIONS, "cni-version": { type: "string" } });
  const flags = commonFlags(values, ctx);
  const sandbox = sandboxRequest(values);
  if (!sandbox.containerId || !sandbox.netnsPath) throw new UsageError("--container-id and --netns are required");
  return runRpc(ctx, flags, async (client, opts) => {
    const res = await client.api.attachNetworks({ ...sandbox, cniVersion: values["cni-version"] ?? "" }, opts);
    printResult(ctx.stdout, flags.output, {
      data: () => outputJson(AttachNetworksResponse.toJSON(res)),
      text: (wide) => renderTable(INTERFACE_COLUMNS, res.interfaces, wide),
    });
    return ExitCode.Ok;
  });
}
