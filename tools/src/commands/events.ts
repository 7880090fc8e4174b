// `netattachctl events [-w]`: what the node did (WatchEvents). Without -w, the events the daemon
// still holds in its recent history, then exit; with -w, those and then every new one until
// interrupted. Text is one line per event; -o json|yaml is one document (without -w) or one
// document per event (-w: JSON lines, or YAML documents separated by ---).
import {
  AttachmentEvent,
  eventKindToJSON,
  eventOutcomeToJSON,
  WatchEventsResponse,
} from "../../../proto/gen/netattach/v1/event_service.js";
import { ExitCode, type Command, type CommandContext, type Output } from "../command.js";
import { COMMON_USAGE, commonFlags, parseCommand, parsePodFlag } from "../daemon/daemon-options.js";
import { runRpc } from "../daemon/run-rpc.js";
import { enumLabel } from "../output/enum-label.js";
import { isStructured, structuredText, type OutputFormat } from "../output/output-format.js";
import { printResult } from "../output/print-result.js";
import { outputJson } from "../output/proto-json.js";
import { renderTable, type Column } from "../output/table.js";

const usage = `Usage: netattachctl events [-w] [--pod NS/NAME | --namespace NS] [--container-id ID] [--network NET] [flags]

Prints the events netattachd recorded (attach, detach, rollback, hot-plug, reconcile, orphan),
oldest first: outcome, catalog reason, duration, interfaces. The daemon keeps the last
events.historySize of them. -w, --watch then follows new events until interrupted (Ctrl-C);
a reader that falls behind is told how many events it lost. --network matches events about
that network (namespace/name, or a conf name), ADDs that attached it and DELs of a pod that had it.

  -w, --watch         keep printing new events (no deadline unless --timeout is given)

${COMMON_USAGE}`;

export const eventsCommand: Command = {
  name: "events",
  summary: "recent attach/detach events, or follow them with -w (WatchEvents)",
  usage,
  run,
};

const COLUMNS: readonly Column<AttachmentEvent>[] = [
  { header: "TIME", value: (e) => e.time?.toISOString() ?? "" },
  { header: "KIND", value: (e) => enumLabel(eventKindToJSON(e.kind), "EVENT_KIND_") },
  { header: "OUTCOME", value: (e) => enumLabel(eventOutcomeToJSON(e.outcome), "EVENT_OUTCOME_") },
  { header: "POD", value: (e) => (e.pod ? `${e.pod.namespace}/${e.pod.name}` : "-") },
  { header: "CONTAINER", value: (e) => e.containerId.slice(0, 13) || "-" },
  { header: "NETWORK", value: (e) => networks(e) || "-" },
  { header: "REASON", value: (e) => e.reason || "-" },
  {
    header: "DURATION",
    value: (e) => (e.duration ? `${Math.round(e.duration.seconds * 1e3 + e.duration.nanos / 1e6)}ms` : "-"),
  },
  {
    header: "INTERFACES",
    value: (e) => e.interfaces.map((i) => `${i.interface}=${i.ips.join(",") || "-"}`).join(" ") || "-",
    wide: true,
  },
  { header: "MESSAGE", value: (e) => e.message || "-", wide: true },
];

async function run(ctx: CommandContext): Promise<ExitCode> {
  const { values } = parseCommand(ctx.argv, {
    watch: { type: "boolean", short: "w" },
    pod: { type: "string" },
    namespace: { type: "string" },
    "container-id": { type: "string" },
    network: { type: "string" },
  });
  const flags = commonFlags(values, ctx);
  const pod = values.pod !== undefined ? parsePodFlag(values.pod) : undefined;
  const watch = values.watch === true;
  const request = {
    podNamespace: pod?.namespace ?? values.namespace ?? "",
    podName: pod?.name ?? "",
    containerId: values["container-id"] ?? "",
    network: values.network ?? "",
    replayRecent: true,
    recentOnly: !watch,
  };
  return runRpc(ctx, flags, async (client, opts) => {
    // A watch runs until interrupted: a deadline only when one was asked for.
    const callOpts = watch && values.timeout === undefined ? (opts.signal ? { signal: opts.signal } : {}) : opts;
    const stream = client.events.watchEvents(request, callOpts);
    if (!watch) {
      const events: AttachmentEvent[] = [];
      for await (const item of stream) if (item.event) events.push(item.event);
      printResult(ctx.stdout, flags.output, {
        data: () => ({ events: events.map((e) => outputJson(AttachmentEvent.toJSON(e))) }),
        text: (wide) => (events.length === 0 ? "no events\n" : renderTable(COLUMNS, events, wide)),
      });
      return ExitCode.Ok;
    }
    return follow(ctx, flags.output, stream);
  });
}

async function follow(
  ctx: CommandContext,
  format: OutputFormat,
  stream: AsyncIterable<WatchEventsResponse>,
): Promise<ExitCode> {
  const wide = format === "wide";
  const shown = COLUMNS.filter((c) => wide || !c.wide);
  if (!isStructured(format)) ctx.stdout.write(line(shown.map((c) => c.header)));
  try {
    for await (const item of stream) print(ctx.stdout, ctx.stderr, format, item, shown);
  } catch (err) {
    if (ctx.signal?.aborted) return ExitCode.Ok; // Ctrl-C: the normal end of a watch
    throw err;
  }
  if (ctx.signal?.aborted) return ExitCode.Ok;
  ctx.stderr.write("netattachctl: netattachd ended the event stream (it is shutting down)\n");
  return ExitCode.Failed;
}

function print(
  out: Output,
  err: Output,
  format: OutputFormat,
  item: WatchEventsResponse,
  shown: readonly Column<AttachmentEvent>[],
): void {
  if (isStructured(format)) {
    const doc = outputJson(WatchEventsResponse.toJSON(item));
    out.write(format === "json" ? `${JSON.stringify(doc)}\n` : `---\n${structuredText("yaml", doc)}`);
  } else if (item.lost) {
    err.write(`netattachctl: ${item.lost.count} events lost: this reader fell behind (events.bufferSize)\n`);
  } else if (item.event) {
    out.write(line(shown.map((c) => c.value(item.event!))));
  }
}

/** Fixed widths for the short columns, so lines printed one by one still align. */
const WIDTHS: Readonly<Record<number, number>> = { 0: 24, 1: 14, 2: 7, 3: 24, 4: 13, 5: 16, 6: 16, 7: 8 };

function line(cells: readonly string[]): string {
  return cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(WIDTHS[i] ?? 0))).join("  ") + "\n";
}

function networks(e: AttachmentEvent): string {
  return [...new Set([e.network, ...e.interfaces.map((i) => i.network)].filter((n) => n !== ""))].join(",");
}
