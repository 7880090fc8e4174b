// `netattachctl detach`: DetachNetworks from the saved plan; prints what was removed and what was
// orphaned for the reconciler, as detach-network does. Exit 0 either way: the DEL succeeded (the
// runtime's would too) and the reconciler owns the orphans; a warning on stderr names them.
import { DetachNetworksResponse } from "../../../proto/gen/netattach/v1/attachment_service.js";
import { ExitCode, UsageError, type Command, type CommandContext } from "../command.js";
import { COMMON_USAGE, commonFlags, parseCommand, parsePodFlag } from "../daemon/daemon-options.js";
import { runRpc } from "../daemon/run-rpc.js";
import { printResult } from "../output/print-result.js";
import { outputJson } from "../output/proto-json.js";
import { detachOutcomeTable, orphanWarning } from "../output/detach-outcome.js";

const usage = `Usage: netattachctl detach --container-id ID [--netns PATH] [--pod NS/NAME[/UID]] [flags]

Detaches every network of the sandbox, in reverse order, from the plan saved at attach
(no network definition is needed), in the netns saved at attach. --netns "" says the netns is gone
(the plugins then run with an empty netns and release what they hold); any other --netns must name
the saved one. A delegate that neither its plugin's DEL nor netattach's own cleanup could release
is listed as orphaned (exit code 0, a warning on stderr): the reconciler retries it (netattachctl
list shows it, netattachctl gc retries it now).

${COMMON_USAGE}`;

export const detachCommand: Command = {
  name: "detach",
  summary: "detach a pod sandbox from all its networks (DetachNetworks)",
  usage,
  run,
};

async function run(ctx: CommandContext): Promise<ExitCode> {
  const { values } = parseCommand(ctx.argv, {
    "container-id": { type: "string" },
    netns: { type: "string" },
    pod: { type: "string" },
  });
  const flags = commonFlags(values, ctx);
  const containerId = values["container-id"];
  if (!containerId) throw new UsageError("--container-id is required");
  const pod = values.pod !== undefined ? { pod: parsePodFlag(values.pod) } : {};
  return runRpc(ctx, flags, async (client, opts) => {
    const res = await client.api.detachNetworks(
      { containerId, ...(values.netns !== undefined ? { netnsPath: values.netns } : {}), ...pod },
      opts,
    );
    printResult(ctx.stdout, flags.output, {
      data: () => outputJson(DetachNetworksResponse.toJSON(res)),
      text: () =>
        res.removed.length + res.orphaned.length === 0
          ? `nothing attached for ${containerId}\n`
          : detachOutcomeTable(res),
    });
    ctx.stderr.write(orphanWarning(containerId, res.orphaned));
    return ExitCode.Ok;
  });
}
