// `netattachctl detach`: DetachNetworks from the saved plan; prints what was removed.
import { ExitCode, UsageError, type Command, type CommandContext } from "../command.js";
import { COMMON_USAGE, commonFlags, parseCommand, parsePodFlag } from "../daemon/daemon-options.js";
import { formatTable } from "../daemon/format-table.js";
import { runRpc } from "../daemon/run-rpc.js";

const usage = `Usage: netattachctl detach --container-id ID [--netns PATH] [--pod NS/NAME[/UID]] [flags]

Detaches every network of the sandbox, in reverse order, from the plan saved at attach
(no network definition is needed). Without --netns the plugins run with an empty netns.

${COMMON_USAGE}`;

export const detachCommand: Command = { name: "detach", summary: "detach a pod sandbox from all its networks (DetachNetworks)", usage, run };

async function run(ctx: CommandContext): Promise<ExitCode> {
  const { values } = parseCommand(ctx.argv, { "container-id": { type: "string" }, netns: { type: "string" }, pod: { type: "string" } });
  if (values.help) {
    ctx.stdout.write(usage);
    return ExitCode.Ok;
  }
  const flags = commonFlags(values, ctx.env);
  const containerId = values["container-id"];
  if (!containerId) throw new UsageError("--container-id is required");
  const pod = values.pod !== undefined ? { pod: parsePodFlag(values.pod) } : {};
  return runRpc("detach", ctx, flags, async (client, opts) => {
    const res = await client.api.detachNetworks({ containerId, netnsPath: values.netns ?? "", ...pod }, opts);
    if (flags.json) ctx.stdout.write(JSON.stringify(res, null, 2) + "\n");
    else if (res.removed.length === 0) ctx.stdout.write(`nothing attached for ${containerId}\n`);
    else ctx.stdout.write(formatTable(["INTERFACE", "NETWORK"], res.removed.map((r) => [r.interface, r.network])));
    return ExitCode.Ok;
  });
}
