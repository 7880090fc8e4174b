// `netattachctl list`: saved attachments (ListAttachments), one row per interface, with the
// attachment's phase and whether the interface holds the pod's default route.
import {
  attachmentPhaseToJSON,
  type Attachment,
  type AttachmentInterface,
} from "../../../proto/gen/netattach/v1/attachment.js";
import {
  ListAttachmentsResponse,
  type UnreadableAttachment,
} from "../../../proto/gen/netattach/v1/attachment_service.js";
import { ExitCode, type Command, type CommandContext } from "../command.js";
import { COMMON_USAGE, commonFlags, parseCommand, parsePodFlag } from "../daemon/daemon-options.js";
import { runRpc } from "../daemon/run-rpc.js";
import { enumLabel } from "../output/enum-label.js";
import { printResult } from "../output/print-result.js";
import { outputJson } from "../output/proto-json.js";
import { renderTable, type Column } from "../output/table.js";

const usage = `Usage: netattachctl list [--pod NS/NAME | --namespace NS] [--container-id ID] [flags]

Lists the attachments netattachd has saved, one line per interface. PHASE is attaching, attached,
detaching (a DEL started and has not finished: its addresses may be released already; the
runtime's retry, or the next netattachd's start-up, finishes it) or orphaned (the sandbox is gone
but these delegates could not be released; the reconciler retries them); a phase a newer
netattachd saved shows as it is, "(unknown to this netattachd)" (-o json: unknownPhase). DEFAULT says the interface
holds the pod's default route. -o wide adds MAC, NETNS, GATEWAYS and CAUSE (why detaching or
orphaned); -o json|yaml add each attachment's teardown history.

${COMMON_USAGE}`;

export const listCommand: Command = {
  name: "list",
  summary: "list saved attachments with their phase (ListAttachments)",
  usage,
  run,
};

interface Row {
  readonly a: Attachment;
  readonly i: AttachmentInterface;
}

const COLUMNS: readonly Column<Row>[] = [
  { header: "CONTAINER", value: ({ a }) => a.containerId },
  { header: "POD", value: ({ a }) => `${a.pod?.namespace ?? ""}/${a.pod?.name ?? ""}` },
  { header: "PHASE", value: ({ a }) => phaseLabel(a) },
  { header: "INTERFACE", value: ({ i }) => i.interface },
  { header: "NETWORK", value: ({ i }) => i.network },
  { header: "IPS", value: ({ i }) => i.ips.join(",") || "-" },
  { header: "DEFAULT", value: ({ i }) => (i.gateways.length > 0 ? "yes" : "") },
  { header: "MAC", value: ({ i }) => i.mac || "-", wide: true },
  { header: "NETNS", value: ({ a }) => a.netnsPath || "-", wide: true },
  { header: "GATEWAYS", value: ({ i }) => i.gateways.join(",") || "-", wide: true },
  { header: "CREATED", value: ({ a }) => a.createTime?.toISOString() ?? "" },
  { header: "CAUSE", value: ({ a }) => a.cause || "-", wide: true },
];

/** A phase a newer netattachd saved shows as it is, so a downgrade is not taken for a bug. */
function phaseLabel(a: Attachment): string {
  return a.unknownPhase !== ""
    ? `${a.unknownPhase} (unknown to this netattachd)`
    : enumLabel(attachmentPhaseToJSON(a.phase), "ATTACHMENT_PHASE_");
}

async function run(ctx: CommandContext): Promise<ExitCode> {
  const { values } = parseCommand(ctx.argv, {
    pod: { type: "string" },
    namespace: { type: "string" },
    "container-id": { type: "string" },
  });
  const flags = commonFlags(values, ctx);
  const pod = values.pod !== undefined ? parsePodFlag(values.pod) : undefined;
  const request = {
    podNamespace: pod?.namespace ?? values.namespace ?? "",
    podName: pod?.name ?? "",
    containerId: values["container-id"] ?? "",
  };
  return runRpc(ctx, flags, async (client, opts) => {
    const res = await client.api.listAttachments(request, opts);
    const rows = res.attachments.flatMap((a) => a.interfaces.map((i) => ({ a, i })));
    printResult(ctx.stdout, flags.output, {
      data: () => ({ attachments: [], ...(outputJson(ListAttachmentsResponse.toJSON(res)) as object) }),
      text: (wide) =>
        (rows.length === 0 ? "no attachments\n" : renderTable(COLUMNS, rows, wide)) + unreadableText(res.unreadable),
    });
    return ExitCode.Ok;
  });
}

/** Records the daemon cannot read are never reconciled: said after the table, so they are not missed. */
function unreadableText(unreadable: readonly UnreadableAttachment[]): string {
  if (unreadable.length === 0) return "";
  const lines = unreadable.map((u) => `  ${u.containerId}: ${u.path}: ${u.problem}\n`);
  return `${unreadable.length} saved record(s) cannot be read; netattachd leaves them in place and never reconciles them (see netattachctl doctor):\n${lines.join("")}`;
}
