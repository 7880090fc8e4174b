// `netattachctl list`: saved attachments (ListAttachments), one row per interface.
import type { Attachment, AttachmentInterface } from "../../../proto/gen/netattach/v1/attachment.js";
import { ListAttachmentsResponse } from "../../../proto/gen/netattach/v1/attachment_service.js";
import { ExitCode, type Command, type CommandContext } from "../command.js";
import { COMMON_USAGE, commonFlags, parseCommand, parsePodFlag } from "../daemon/daemon-options.js";
import { runRpc } from "../daemon/run-rpc.js";
import { printResult } from "../output/print-result.js";
import { outputJson } from "../output/proto-json.js";
import { renderTable, type Column } from "../output/table.js";

const usage = `Usage: netattachctl list [--pod NS/NAME | --namespace NS] [--container-id ID] [flags]

Lists the attachments netattachd has saved, one line per interface (-o wide adds MAC and NETNS).

${COMMON_USAGE}`;

export const listCommand: Command = { name: "list", summary: "list saved attachments (ListAttachments)", usage, run };

interface Row {
  readonly a: Attachment;
  readonly i: AttachmentInterface;
}

const COLUMNS: readonly Column<Row>[] = [
  { header: "CONTAINER", value: ({ a }) => a.containerId },
  { header: "POD", value: ({ a }) => `${a.pod?.namespace ?? ""}/${a.pod?.name ?? ""}` },
  { header: "INTERFACE", value: ({ i }) => i.interface },
  { header: "NETWORK", value: ({ i }) => i.network },
  { header: "IPS", value: ({ i }) => i.ips.join(",") || "-" },
  { header: "MAC", value: ({ i }) => i.mac || "-", wide: true },
  { header: "NETNS", value: ({ a }) => a.netnsPath || "-", wide: true },
  { header: "CREATED", value: ({ a }) => a.createTime?.toISOString() ?? "" },
];

async function run(ctx: CommandContext): Promise<ExitCode> {
  const { values } = parseCommand(ctx.argv, { pod: { type: "string" }, namespace: { type: "string" }, "container-id": { type: "string" } });
  if (values.help) {
    ctx.stdout.write(usage);
    return ExitCode.Ok;
  }
  const flags = commonFlags(values, ctx.env);
  const pod = values.pod !== undefined ? parsePodFlag(values.pod) : undefined;
  const request = { podNamespace: pod?.namespace ?? values.namespace ?? "", podName: pod?.name ?? "", containerId: values["container-id"] ?? "" };
  return runRpc(ctx, flags, async (client, opts) => {
    const res = await client.api.listAttachments(request, opts);
    const rows = res.attachments.flatMap((a) => a.interfaces.map((i) => ({ a, i })));
    printResult(ctx.stdout, flags.output, {
      data: () => ({ attachments: [], ...(outputJson(ListAttachmentsResponse.toJSON(res)) as object) }),
      text: (wide) => (rows.length === 0 ? "no attachments\n" : renderTable(COLUMNS, rows, wide)),
    });
    return ExitCode.Ok;
  });
}
