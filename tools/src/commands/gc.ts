// `netattachctl gc`: one reconcile pass now (GarbageCollect without a valid set) — the pass the
// daemon runs every reconcile.intervalMs — and what it removed; --dry-run only reports.
import {
  garbageCollectOutcomeToJSON,
  garbageCollectReasonToJSON,
  GarbageCollectResponse,
  type GarbageCollectItem,
} from "../../../proto/gen/netattach/v1/attachment_service.js";
import { ExitCode, type Command, type CommandContext } from "../command.js";
import { COMMON_USAGE, commonFlags, parseCommand } from "../daemon/daemon-options.js";
import { runRpc } from "../daemon/run-rpc.js";
import { enumLabel } from "../output/enum-label.js";
import { printResult } from "../output/print-result.js";
import { outputJson } from "../output/proto-json.js";
import { renderTable, type Column } from "../output/table.js";

const usage = `Usage: netattachctl gc [--dry-run] [flags]

Runs one reconcile pass in netattachd now and prints what it removed: attachments whose sandbox is
gone (the container runtime no longer lists it, its netns is gone, or its pod is), orphaned
delegates it released, and cached results of attachments no longer saved (CNI GC). Attachments
younger than reconcile.gracePeriodMs are spared. Exit code 1 when the pass met errors.

  --dry-run    report what would be removed; remove nothing

${COMMON_USAGE}`;

export const gcCommand: Command = {
  name: "gc",
  summary: "run a reconcile pass now and show what it removes (GarbageCollect)",
  usage,
  run,
};

const COLUMNS: readonly Column<GarbageCollectItem>[] = [
  { header: "CONTAINER", value: (i) => i.containerId },
  { header: "POD", value: (i) => (i.pod !== undefined ? `${i.pod.namespace}/${i.pod.name}` : "-") },
  { header: "REASON", value: (i) => enumLabel(garbageCollectReasonToJSON(i.reason), "GARBAGE_COLLECT_REASON_") },
  { header: "OUTCOME", value: (i) => enumLabel(garbageCollectOutcomeToJSON(i.outcome), "GARBAGE_COLLECT_OUTCOME_") },
  { header: "INTERFACES", value: (i) => i.interfaces.map((x) => `${x.interface}:${x.network}`).join(",") || "-" },
  { header: "IPS", value: (i) => i.interfaces.flatMap((x) => x.ips).join(",") || "-" },
  { header: "NETNS", value: (i) => i.netnsPath || "-", wide: true },
  { header: "MESSAGE", value: (i) => i.message || "-", wide: true },
];

async function run(ctx: CommandContext): Promise<ExitCode> {
  const { values } = parseCommand(ctx.argv, { "dry-run": { type: "boolean" } });
  const flags = commonFlags(values, ctx);
  const dryRun = values["dry-run"] === true;
  return runRpc(ctx, flags, async (client, opts) => {
    const res = await client.api.garbageCollect({ dryRun }, opts);
    const report = res.report;
    printResult(ctx.stdout, flags.output, {
      data: () => outputJson(GarbageCollectResponse.toJSON(res)),
      text: (wide) => {
        const lines = [
          ...(dryRun ? ["dry run: nothing was removed"] : []),
          `judged by: ${report?.sources.join(", ") || "-"}`,
          ...(report?.notes ?? []).map((n) => `note: ${n}`),
        ];
        const items = report?.items ?? [];
        const table =
          items.length === 0
            ? `${dryRun ? "nothing would be removed" : "nothing to remove"}\n`
            : renderTable(COLUMNS, items, wide);
        return [...lines, ""].join("\n") + table + res.errors.map((e) => `error: ${e}\n`).join("");
      },
    });
    return res.errors.length > 0 ? ExitCode.Failed : ExitCode.Ok;
  });
}
