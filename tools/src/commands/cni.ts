// `netattachctl cni`: a cnitool equivalent on the netattach CNI runtime (no daemon).
import {
  createCniRuntime,
  createSpawnExec,
  CURRENT_VERSION,
  type NetworkConfigList,
  type RuntimeEvent,
} from "../../../server/src/cni/index.js";
import { ExitCode, type Command, type CommandContext, type Output } from "../command.js";
import { DEFAULTS, parseCniOptions } from "../cni/cni-options.js";
import { loadNetwork } from "../cni/load-network.js";
import { printCniError } from "../cni/print-cni-error.js";
import { runCniOp } from "../cni/run-cni-op.js";

const usage = `Usage:
  netattachctl cni add     <network|file> <netns-path> [flags]   print the ADD result
  netattachctl cni check   <network|file> <netns-path> [flags]
  netattachctl cni del     <network|file> [netns-path] [flags]   (no netns: needs --container-id)
  netattachctl cni gc      <network|file> [--valid ID:IFNAME]...  (no --valid: every cached attachment is stale)
  netattachctl cni status  <network|file>
  netattachctl cni version <plugin-type>                          print the plugin's VERSION answer

<network|file> is a .conflist/.conf/.json file, or a network name looked up in --conf-dir.

Flags (environment fallback in brackets, as cnitool):
  --conf-dir DIR        configuration directory [NETCONFPATH] (default ${DEFAULTS.confDir})
  --container-id ID     default: "cnitool-" + sha512(abs netns path)[:20 hex], like cnitool
  --ifname NAME         interface in the netns [CNI_IFNAME] (default ${DEFAULTS.ifName})
  --cni-args K=V;K=V    CNI_ARGS [CNI_ARGS]
  --cap-args JSON       capability args, e.g. '{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]}' [CAP_ARGS]
  --bin-dir DIR         plugin directory, repeatable or ':'-separated [CNI_PATH] (default ${DEFAULTS.binDirs.join(":")})
  --cache-dir DIR       result cache (default ${DEFAULTS.cacheDir})
  --timeout DURATION    per plugin invocation: 1500, 500ms, 30s, 2m (default ${DEFAULTS.timeoutMs / 1000}s)
  --valid ID:IFNAME     gc: an attachment to keep (repeatable)
  -v, --verbose         log every plugin execution to stderr
  -o, --output FMT      yaml: the result or error object as YAML; json (and text, wide): JSON, as cnitool

-o and --timeout may stand before "cni" too; --socket and the TLS flags are refused: cni runs the
plugins itself, without netattachd.

On failure the CNI error object {cniVersion, code, msg, details} is printed on stdout,
details on stderr, and the exit code is 1. Usage errors exit 2.
`;

export const cniCommand: Command = {
  name: "cni",
  summary: "run CNI plugins directly through the netattach runtime (like cnitool)",
  usage,
  run,
};

async function run(ctx: CommandContext): Promise<ExitCode> {
  const inv = parseCniOptions(ctx.argv, ctx.env, ctx.cwd);
  if (inv === undefined) {
    ctx.stdout.write(usage);
    return ExitCode.Ok;
  }
  const runtime = createCniRuntime({
    exec: createSpawnExec(),
    binDirs: inv.binDirs,
    cacheDir: inv.cacheDir,
    pluginTimeoutMs: inv.timeoutMs,
    ...(ctx.env.PATH !== undefined ? { path: ctx.env.PATH } : {}),
    ...(inv.verbose ? { onEvent: (e: RuntimeEvent) => logEvent(ctx.stderr, e) } : {}),
  });
  let list: NetworkConfigList | undefined;
  try {
    if (inv.op !== "version") list = await loadNetwork(inv.target, inv.confDir, ctx.cwd);
    const out = await runCniOp(runtime, inv, list, ctx.signal !== undefined ? { signal: ctx.signal } : {});
    ctx.stdout.write(out);
    return ExitCode.Ok;
  } catch (err) {
    printCniError(
      err,
      list?.cniVersion ?? CURRENT_VERSION /* no configuration could be read */,
      ctx.stdout,
      ctx.stderr,
      inv.output,
    );
    return ExitCode.Failed;
  }
}

function logEvent(stderr: Output, e: RuntimeEvent): void {
  switch (e.type) {
    case "exec": {
      const at = e.cniVersion !== undefined ? ` at ${e.cniVersion}` : "";
      stderr.write(
        `[cni] ${e.command} ${e.plugin}${at} network=${e.network} ${e.ok ? "ok" : "failed"} ${e.durationMs.toFixed(1)}ms\n`,
      );
      if (e.stderr) stderr.write(`[cni]   stderr: ${e.stderr.trimEnd()}\n`);
      return;
    }
    case "cache-corrupt":
      stderr.write(
        `[cni] corrupt cache entry ${e.path} (network=${e.network} container=${e.containerId} ifname=${e.ifName})\n`,
      );
      return;
    case "cache-left":
      stderr.write(`[cni] cache entry ${e.path} not removed after DEL: ${e.error.message}\n`);
      return;
    case "version-probe-failed":
      stderr.write(`[cni] VERSION of ${e.plugin} failed, running it at the list's version: ${e.error.message}\n`);
      return;
    case "plugin-skipped":
      stderr.write(`[cni] ${e.command} skipped for ${e.plugin} (runs at ${e.cniVersion}): ${e.reason}\n`);
      return;
  }
}
