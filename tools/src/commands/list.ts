// `netattachctl list`: saved attachments (ListAttachments).
import { ExitCode, type Command, type CommandContext } from "../command.js";
import { COMMON_USAGE, commonFlags, parseCommand, parsePodFlag } from "../daemon/daemon-options.js";
import { formatTable } from "../daemon/format-table.js";
import { runRpc } from "../daemon/run-rpc.js";

const usage = `Usage: netattachctl list [--pod NS/NAME | --namespace NS] [--container-id ID] [flags]

Lists the attachments netattachd has saved, one line per interface.

${COMMON_USAGE}`;

export const listCommand: Command = { name: "list", summary: "list saved attachments (ListAttachments)", usage, run };

async function run(ctx: CommandContext): Promise<ExitCode> {
  const { values } = parseCommand(ctx.argv, { pod: { type: "string" }, namespace: { type: "string" }, "container-id": { type: "string" } });
  if (values.help) {
    ctx.stdout.write(usage);
    return ExitCode.Ok;
  }
  const flags = commonFlags(values, ctx.env);
  const pod = values.pod !== undefined ? parsePodFlag(values.pod) : undefined;
  const request = { podNamespace: pod?.namespace ?? values.namespace ?? "", podName: pod?.name ?? "", containerId: values["container-id"] ?? "" };
  return runRpc("list", ctx, flags, async (client, opts) => {
    const { attachments } = await client.api.listAttachments(request, opts);
    if (flags.json) {
      ctx.stdout.write(JSON.stringify({ attachments }, null, 2) + "\n");
      return ExitCode.Ok;
    }
    const rows = attachments.flatMap((a) =>
      a.interfaces.map((i) => [a.containerId, `${a.pod?.namespace ?? ""}/${a.pod?.name ?? ""}`, i.interface, i.network, i.ips.join(",") || "-", a.createTime?.toISOString() ?? ""]),
    );
    ctx.stdout.write(rows.length === 0 ? "no attachments\n" : formatTable(["CONTAINER", "POD", "INTERFACE", "NETWORK", "IPS", "CREATED"], rows));
    return ExitCode.Ok;
  });
}
