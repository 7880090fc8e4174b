// `netattachctl attach`: AttachNetworks for a sandbox; prints the interfaces it got.
import type { AttachNetworksResponse } from "../../../proto/gen/netattach/v1/attachment_service.js";
import { ExitCode, UsageError, type Command, type CommandContext } from "../command.js";
import { COMMON_USAGE, commonFlags, parseCommand } from "../daemon/daemon-options.js";
import { formatTable, jsonField } from "../daemon/format-table.js";
import { runRpc } from "../daemon/run-rpc.js";
import { SANDBOX_OPTIONS, SANDBOX_USAGE, sandboxRequest } from "../daemon/sandbox-flags.js";

const usage = `Usage: netattachctl attach --pod NS/NAME[/UID] --container-id ID --netns PATH [flags]

Attaches the sandbox to its networks (cluster network, default networks, selected ones)
through netattachd, and prints each interface.

  --cni-version V          version of the primary result (default: the cluster network's)

${SANDBOX_USAGE}
${COMMON_USAGE}`;

export const attachCommand: Command = { name: "attach", summary: "attach a pod sandbox to its networks (AttachNetworks)", usage, run };

async function run(ctx: CommandContext): Promise<ExitCode> {
  const { values } = parseCommand(ctx.argv, { ...SANDBOX_OPTIONS, "cni-version": { type: "string" } });
  if (values.help) {
    ctx.stdout.write(usage);
    return ExitCode.Ok;
  }
  const flags = commonFlags(values, ctx.env);
  const sandbox = sandboxRequest(values);
  if (!sandbox.containerId || !sandbox.netnsPath) throw new UsageError("--container-id and --netns are required");
  return runRpc("attach", ctx, flags, async (client, opts) => {
    const res = await client.api.attachNetworks({ ...sandbox, cniVersion: values["cni-version"] ?? "" }, opts);
    ctx.stdout.write(flags.json ? JSON.stringify(attachJson(res), null, 2) + "\n" : attachText(res));
    return ExitCode.Ok;
  });
}

export function attachJson(res: AttachNetworksResponse): unknown {
  return {
    interfaces: res.interfaces.map((i) => ({
      ...i,
      deviceInfoJson: undefined,
      delegateResultJson: undefined,
      deviceInfo: jsonField(i.deviceInfoJson),
      delegateResult: jsonField(i.delegateResultJson),
    })),
    primaryResult: jsonField(res.primaryResultJson),
    networkStatus: jsonField(res.networkStatusJson),
  };
}

function attachText(res: AttachNetworksResponse): string {
  const rows = res.interfaces.map((i) => [
    i.interface,
    i.network,
    i.ips.map((ip) => ip.address).join(",") || "-",
    i.mac || "-",
    i.isDefault ? "yes" : "",
  ]);
  return formatTable(["INTERFACE", "NETWORK", "IPS", "MAC", "DEFAULT"], rows);
}
