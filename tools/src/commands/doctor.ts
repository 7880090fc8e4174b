// `netattachctl doctor`: the node checks to run when a pod did not get its networks. Each
// check prints what it found and, when something is wrong, the fix. Exit 1 if any failed.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULTS, loadConfig, stateLayout, type LoadedConfig } from "../../../server/src/config/index.js";
import { ExitCode, UsageError, type Command, type CommandContext } from "../command.js";
import { absoluteTarget, createDaemonClient } from "../daemon-client.js";
import { COMMON_USAGE, commonFlags, parseCommand } from "../daemon/daemon-options.js";
import { apiNetworks } from "../doctor/api-networks.js";
import { checkConfOrder } from "../doctor/conf-order-check.js";
import { configuredNetworks } from "../doctor/configured-networks.js";
import { checkConfigWarnings, checkDaemon, checkStaleState } from "../doctor/daemon-checks.js";
import { formatCheck, type CheckResult } from "../doctor/doctor-check.js";
import { hostLocalDirs } from "../doctor/host-local-dirs.js";
import { checkIpamReservations } from "../doctor/ipam-reservations-check.js";
import { checkKernel } from "../doctor/kernel-check.js";
import { checkPlugins } from "../doctor/plugins-check.js";
import { reservationOwners } from "../doctor/reservation-owners.js";
import { checkShim } from "../doctor/shim-check.js";
import { printResult } from "../output/print-result.js";
import { SHIM_TYPE } from "../install/shim-conflist.js";

const DAEMON_CONFIG = "/etc/netattach/netattachd.yaml";

const usage = `Usage: netattachctl doctor [--config PATH] [--conf-dir DIR] [--bin-dir DIR] [--shim PATH] [flags]

Node checks for a pod that did not get its networks, each printed with its fix:
  daemon       netattachd reachable on its socket and ready
  config       netattachd's warnings about its config (keys it does not know and ignores:
               a typo, or a newer release's key; a stateDir in the container's own root),
               as the daemon reports them, else the keys as read from --config
  conf-order   netattach's conflist is the first file in the runtime's conf dir
  shim         ${SHIM_TYPE} installed in the runtime's bin dir, same bytes as this version's
  plugins      every plugin of every network in the daemon's config is in its bin dirs
  kernel       macvlan, ipvlan and vlan links can be created (probed in a throwaway netns)
  stale-state  saved attachments whose network namespace is gone
  ipam-reservations
               host-local addresses of the configured networks (and of the definitions
               in the Kubernetes API, read with netattachd's kubeconfig) that no saved
               attachment owns
Exit code 1 when a check failed.

  --config PATH     netattachd's config file (default ${DAEMON_CONFIG} when it exists);
                    its socketPath, cniBinDirs, cniConfDir and definitionsDir are used
  --conf-dir DIR    the container runtime's CNI conf dir (default /etc/cni/net.d)
  --bin-dir DIR     the container runtime's CNI bin dir (default /opt/cni/bin)
  --shim PATH       the shim this version ships (default: ${SHIM_TYPE} beside netattachctl,
                    else build/${SHIM_TYPE})

${COMMON_USAGE}`;

export const doctorCommand: Command = {
  name: "doctor",
  summary: "check this node for what keeps pods from their networks",
  usage,
  run,
};

async function run(ctx: CommandContext): Promise<ExitCode> {
  const { values } = parseCommand(ctx.argv, {
    config: { type: "string" },
    "conf-dir": { type: "string" },
    "bin-dir": { type: "string" },
    shim: { type: "string" },
  });
  const flags = commonFlags(values, ctx);
  const loaded = await daemonConfig(ctx, values.config);
  const { config } = loaded;
  const socket = absoluteTarget(values.socket ?? ctx.env.NETATTACH_SOCKET ?? config.socketPath, ctx.cwd);
  const abs = (p: string): string => resolve(ctx.cwd, p);
  const confDir = abs(values["conf-dir"] ?? "/etc/cni/net.d");
  const binDir = abs(values["bin-dir"] ?? "/opt/cni/bin");
  const shim = values.shim !== undefined ? abs(values.shim) : defaultShim(ctx.cwd);

  const checks: CheckResult[] = [];
  const client = createDaemonClient(socket);
  try {
    const opts = { deadline: new Date(Date.now() + flags.timeoutMs), ...(ctx.signal ? { signal: ctx.signal } : {}) };
    const { result: daemon, warnings } = await checkDaemon(client, socket, opts);
    checks.push(daemon);
    checks.push(
      warnings !== undefined
        ? checkConfigWarnings(warnings, `netattachd on ${socket}`)
        : loaded.configPath !== undefined
          ? checkConfigWarnings(
              loaded.warnings.map((w) => w.message),
              `${loaded.configPath} (netattachd is not reachable)`,
            )
          : { check: "config", status: "skip", message: "netattachd is not reachable and no --config was read" },
    );
    checks.push(await checkConfOrder(confDir, socket));
    checks.push(await checkShim(binDir, shim));
    const networks = await configuredNetworks(config);
    const plugins = await checkPlugins(networks, config.cniBinDirs);
    const apiNote =
      config.kubernetes.mode === "none"
        ? ""
        : "\n(definitions in the Kubernetes API are checked per pod: netattachctl resolve --pod NS/NAME)";
    checks.push({ ...plugins, message: plugins.message + apiNote });
    checks.push(await checkKernel(networks, ctx.uid === 0));
    const reachable = daemon.status === "ok" || !daemon.message.startsWith("UNAVAILABLE");
    checks.push(
      reachable
        ? await checkStaleState(client, opts)
        : { check: "stale-state", status: "skip", message: "netattachd is not reachable" },
    );
    if (reachable) {
      const fromApi = await apiNetworks(config, async (kube) =>
        (await import("../doctor/kube-nad-list.js")).openNadList(kube, opts),
      );
      checks.push(
        await checkIpamReservations(
          hostLocalDirs([...networks, ...fromApi.networks]),
          () => reservationOwners(client, config, opts),
          { binDirs: config.cniBinDirs, cacheDir: stateLayout(config).cacheDir },
          { notRead: fromApi.notRead },
        ),
      );
    } else {
      checks.push({ check: "ipam-reservations", status: "skip", message: "netattachd is not reachable" });
    }
  } finally {
    client.close();
  }
  const failed = checks.some((c) => c.status === "fail");
  printResult(ctx.stdout, flags.output, {
    data: () => ({ ok: !failed, checks }),
    text: () => checks.map(formatCheck).join(""),
  });
  return failed ? ExitCode.Failed : ExitCode.Ok;
}

/** netattachd's config as netattachd reads it (its unknown keys ignored, each a warning); DEFAULTS without a file. */
async function daemonConfig(ctx: CommandContext, given: string | undefined): Promise<LoadedConfig> {
  const path = given ?? (existsSync(DAEMON_CONFIG) ? DAEMON_CONFIG : undefined);
  if (path === undefined) return { config: DEFAULTS, warnings: [] };
  const loaded = await loadConfig({
    argv: ["--config", path],
    env: ctx.env,
    cwd: ctx.cwd,
  }).catch((err: unknown) => {
    throw new UsageError(`--config ${path}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  });
  if ("help" in loaded) return { config: DEFAULTS, warnings: [] };
  return { ...loaded, configPath: path };
}

function defaultShim(cwd: string): string | undefined {
  const candidates = [fileURLToPath(new URL(SHIM_TYPE, import.meta.url)), resolve(cwd, "build", SHIM_TYPE)];
  return candidates.find((p) => existsSync(p));
}
