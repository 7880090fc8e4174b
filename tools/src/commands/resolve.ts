// `netattachctl resolve`: the plan for a pod (ResolveNetworks), executing nothing.
import { ResolveNetworksResponse } from "../../../proto/gen/netattach/v1/attachment_service.js";
import { ConfigFrom, type ConfigOrigin, type PlannedNetwork } from "../../../proto/gen/netattach/v1/plan.js";
import { ExitCode, type Command, type CommandContext } from "../command.js";
import { COMMON_USAGE, commonFlags, parseCommand } from "../daemon/daemon-options.js";
import { runRpc } from "../daemon/run-rpc.js";
import { SANDBOX_OPTIONS, SANDBOX_USAGE, sandboxRequest } from "../daemon/sandbox-flags.js";
import { printResult } from "../output/print-result.js";
import { jsonField, outputJson } from "../output/proto-json.js";

const usage = `Usage: netattachctl resolve --pod NS/NAME [--networks VALUE] [flags]

Prints which networks the pod would get, in order: interface, where each config came from
(conf file or NetworkAttachmentDefinition) and the final delegate config. Runs nothing.

${SANDBOX_USAGE}
${COMMON_USAGE}`;

export const resolveCommand: Command = {
  name: "resolve",
  summary: "show the networks a pod would get and where they come from (ResolveNetworks)",
  usage,
  run,
};

async function run(ctx: CommandContext): Promise<ExitCode> {
  const { values } = parseCommand(ctx.argv, SANDBOX_OPTIONS);
  const flags = commonFlags(values, ctx);
  const request = sandboxRequest(values);
  return runRpc(ctx, flags, async (client, opts) => {
    const res = await client.api.resolveNetworks(request, opts);
    printResult(ctx.stdout, flags.output, {
      data: () => outputJson(ResolveNetworksResponse.toJSON(res)),
      text: () => resolveText(res),
    });
    return ExitCode.Ok;
  });
}

function resolveText(res: ResolveNetworksResponse): string {
  const warnings = res.warnings.map((w) => `warning: ${w.reason}: ${w.message}\n`).join("");
  return res.networks.map((n, i) => networkText(n, i + 1)).join("\n") + (warnings !== "" ? `\n${warnings}` : "");
}

function networkText(n: PlannedNetwork, index: number): string {
  const lines = [
    `${index}. ${n.network} → ${n.interface}${n.isDefault ? " (cluster network)" : ""}`,
    `   from: ${originText(n.origin)}`,
  ];
  const caps = n.capabilityArgsJson && n.capabilityArgsJson !== "{}" ? n.capabilityArgsJson : undefined;
  if (caps) lines.push(`   runtimeConfig: ${caps}`);
  if (n.defaultRoute) lines.push(`   default-route: ${n.defaultRoute.gateways.join(", ") || "(remove)"}`);
  const args = n.cniArgs.filter((a) => !a.key.startsWith("K8S_") && a.key !== "IgnoreUnknown");
  if (args.length > 0) lines.push(`   CNI_ARGS: ${args.map((a) => `${a.key}=${a.value}`).join(";")}`);
  lines.push(`   config: ${JSON.stringify(jsonField(n.configJson), null, 2).replace(/\n/g, "\n   ")}`);
  return lines.join("\n") + "\n";
}

function originText(o: ConfigOrigin | undefined): string {
  if (o?.confFile) return `conf file ${o.confFile.path}`;
  if (o?.definition) {
    const d = o.definition;
    const file = d.manifestPath ? ` (${d.manifestPath})` : "";
    const config =
      d.configFrom === ConfigFrom.CONFIG_FROM_CONF_FILE
        ? `config from conf file ${d.confPath}`
        : "config from spec.config";
    return `NetworkAttachmentDefinition ${d.namespace}/${d.name}${file}, ${config}`;
  }
  if (o?.inline) return `inline: ${o.inline.description}`;
  return "unknown";
}
