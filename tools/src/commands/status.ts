// `netattachctl status`: grpc.health.v1 + GetStatus; exit 0 when ready, 1 when not.
import { HealthCheckResponse_ServingStatus } from "nice-grpc-server-health/lib/proto/grpc/health/v1/health.js";
import { ExitCode, type Command, type CommandContext } from "../command.js";
import { COMMON_USAGE, commonFlags, parseCommand } from "../daemon/daemon-options.js";
import { GetStatusResponse } from "../../../proto/gen/netattach/v1/attachment_service.js";
import { runRpc } from "../daemon/run-rpc.js";
import { printResult } from "../output/print-result.js";
import { outputJson } from "../output/proto-json.js";

const usage = `Usage: netattachctl status [flags]

Shows whether netattachd is ready (its sources loaded, the cluster network's CNI STATUS ok)
and why not, and its warnings (config keys it does not know and ignored). Exit code 0 when
ready, 1 when not or unreachable; warnings alone do not change it.

${COMMON_USAGE}`;

export const statusCommand: Command = {
  name: "status",
  summary: "daemon readiness and the cluster network's CNI STATUS (GetStatus)",
  usage,
  run,
};

async function run(ctx: CommandContext): Promise<ExitCode> {
  const { values } = parseCommand(ctx.argv, {});
  const flags = commonFlags(values, ctx);
  return runRpc(ctx, flags, async (client, opts) => {
    const status = await client.api.getStatus({}, opts);
    const health = await client.health.check({ service: "" }, opts);
    const serving = HealthCheckResponse_ServingStatus[health.status] ?? String(health.status);
    printResult(ctx.stdout, flags.output, {
      // ready, reasons and warnings always, even when false / empty (proto JSON leaves defaults out).
      data: () => ({
        ready: status.ready,
        reasons: status.reasons,
        warnings: status.warnings,
        ...(outputJson(GetStatusResponse.toJSON(status)) as object),
        health: serving,
      }),
      text: () => {
        const cn = status.clusterNetwork;
        const lines = [
          `ready: ${status.ready ? "yes" : "no"}`,
          `health: ${serving}`,
          ...(cn
            ? [
                `cluster network: ${cn.name} (CNI STATUS ${cn.ok ? "ok" : `failed${cn.cniCode !== undefined ? `, code ${cn.cniCode}` : ""}: ${cn.message}`})`,
              ]
            : []),
          ...status.reasons.map((r) => `not ready: ${r}`),
          ...status.warnings.map((w) => `warning: ${w}`),
        ];
        return lines.join("\n") + "\n";
      },
    });
    return status.ready ? ExitCode.Ok : ExitCode.Failed;
  });
}
