// `netattachctl install`: put the CNI shim where the container runtime finds it and point
// the runtime at it, atomically and idempotently; `--uninstall` undoes both.
//
// Order matters for a runtime that watches the conf dir (containerd reloads on every
// change): the binary is in place before the conflist names it, and the conflist is gone
// before the binary is removed. Both are written as a temp file in the SAME directory,
// fsynced, then renamed over the target: a running shim keeps its old inode (never "text
// file busy"), a reader never sees half a file, and the rename of the temp name is the
// Rename event containerd's conf watcher reloads on. Nothing here is tied to the daemon's
// lifetime: the conf stays when netattachd stops, so ADD waits for it instead of pods
// silently starting without their networks.
import { createHash, randomBytes } from "node:crypto";
import { open, readdir, readFile, rename, rm } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { SHIM_CAPABILITIES } from "../../../client-cni/src/runtime-config.js";
import { CONF_EXTENSIONS } from "../../../server/src/cni/index.js";
import { DEFAULT_SOCKET_PATH } from "../../../server/src/wire/index.js";
import { ExitCode, UsageError, type Command, type CommandContext } from "../command.js";
import { parseLocalCommand } from "../daemon/daemon-options.js";

export const SHIM_TYPE = "netattach-cni";
export const CONFLIST_NAME = "00-netattach.conflist";
/** Capability args containerd/CRI-O fill in: the ones the shim reads (client-cni's runtime-config). */
export { SHIM_CAPABILITIES };

const usage = `Usage:
  netattachctl install [flags]               install the shim and ${CONFLIST_NAME}
  netattachctl install --uninstall [flags]   remove both

Flags:
  --shim PATH                 the built shim to copy (default build/${SHIM_TYPE})
  --bin-dir DIR               CNI bin dir (default /opt/cni/bin)
  --conf-dir DIR              CNI conf dir (default /etc/cni/net.d)
  --socket PATH               netattachd socket the shim calls (default /run/netattach/netattach.sock)
  --cluster-network NAME      record this cluster network (default: the "name" of the first
                              other config in the conf dir, in lexicographic order)
  --cni-version V             conflist cniVersion (default 1.0.0; cniVersions also offers 1.1.0)
  --readiness-timeout-ms N    how long ADD waits for netattachd (default 30000)
  --log-file PATH             shim log file (default: stderr, which the runtime logs)
  --log-level LEVEL           debug|info|warn|error|silent (default warn)

The daemon takes its cluster network from ITS config (clusterNetwork); the conflist records
the one found here for people and tools reading the conf dir (key "clusterNetwork").
Installing again with the same inputs changes nothing.
`;

interface InstallOptions {
  shim: string;
  binDir: string;
  confDir: string;
  socket: string;
  clusterNetwork: string | undefined;
  cniVersion: string;
  readinessTimeoutMs: number;
  logFile: string | undefined;
  logLevel: string | undefined;
  uninstall: boolean;
}

function parseOptions(ctx: CommandContext): InstallOptions | undefined {
  const { values } = parseLocalCommand(
    ctx.argv,
    {
      shim: { type: "string" },
      "bin-dir": { type: "string" },
      "conf-dir": { type: "string" },
      socket: { type: "string" },
      "cluster-network": { type: "string" },
      "cni-version": { type: "string" },
      "readiness-timeout-ms": { type: "string" },
      "log-file": { type: "string" },
      "log-level": { type: "string" },
      uninstall: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    "install",
    "it writes the shim and its conflist and calls no daemon; it prints only what it changed",
  );
  if (values.help) return undefined;
  const timeout = Number(values["readiness-timeout-ms"] ?? "30000");
  if (!Number.isInteger(timeout) || timeout < 0)
    throw new UsageError(`--readiness-timeout-ms must be a whole number ≥ 0, got ${values["readiness-timeout-ms"]}`);
  const abs = (p: string): string => resolve(ctx.cwd, p);
  return {
    shim: abs(values.shim ?? `build/${SHIM_TYPE}`),
    binDir: abs(values["bin-dir"] ?? "/opt/cni/bin"),
    confDir: abs(values["conf-dir"] ?? "/etc/cni/net.d"),
    socket: abs(values.socket ?? DEFAULT_SOCKET_PATH),
    // Empty (an unset variable in a manifest) means "find it", like leaving the flag out.
    clusterNetwork: values["cluster-network"] || undefined,
    cniVersion: values["cni-version"] ?? "1.0.0",
    readinessTimeoutMs: timeout,
    logFile: values["log-file"] === undefined ? undefined : abs(values["log-file"]),
    logLevel: values["log-level"],
    uninstall: values.uninstall === true,
  };
}

/** Writes `data` to `target` via a hidden temp file in the same directory + fsync + rename. */
export async function writeFileAtomic(target: string, data: Uint8Array | string, mode: number): Promise<void> {
  const dir = resolve(target, "..");
  const tmp = join(dir, `.${basename(target)}.tmp-${randomBytes(6).toString("hex")}`);
  const fh = await open(tmp, "wx", mode);
  try {
    await fh.writeFile(data);
    await fh.chmod(mode);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  const dh = await open(dir, "r");
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}

async function sameContent(path: string, data: Uint8Array | string): Promise<boolean> {
  const current = await readFile(path).catch(() => undefined);
  if (current === undefined) return false;
  const hash = (d: Uint8Array | string): string => createHash("sha256").update(d).digest("hex");
  return hash(current) === hash(data);
}

/** The first other config in lexicographic order, as containerd would pick it without us. */
export async function findClusterNetwork(confDir: string): Promise<{ name: string; file: string } | undefined> {
  const files = (await readdir(confDir).catch(() => [] as string[]))
    .filter((f) => f !== CONFLIST_NAME && !f.startsWith(".") && CONF_EXTENSIONS.some((e) => f.endsWith(e)))
    .sort();
  for (const file of files) {
    const text = await readFile(join(confDir, file), "utf8");
    let name: unknown;
    try {
      name = (JSON.parse(text) as { name?: unknown }).name;
    } catch (err) {
      throw new Error(`${join(confDir, file)} is not valid JSON, so the runtime could not load it either`, {
        cause: err,
      });
    }
    if (typeof name !== "string" || name === "") throw new Error(`${join(confDir, file)} has no "name"`);
    return { name, file };
  }
  return undefined;
}

export function renderConflist(o: InstallOptions, cluster: { name: string; file?: string }): string {
  const plugin: Record<string, unknown> = {
    type: SHIM_TYPE,
    socketPath: o.socket,
    readinessTimeoutMs: o.readinessTimeoutMs,
    ...(o.logFile !== undefined ? { logFile: o.logFile } : {}),
    ...(o.logLevel !== undefined ? { logLevel: o.logLevel } : {}),
    clusterNetwork: cluster.name,
    ...(cluster.file !== undefined ? { clusterNetworkFile: cluster.file } : {}),
    capabilities: Object.fromEntries(SHIM_CAPABILITIES.map((c) => [c, true])),
  };
  // containerd 1.6 (libcni 1.1) cannot read 1.1.0 results: cniVersion stays 1.0.0 for it,
  // newer runtimes pick 1.1.0 from cniVersions (and then also call STATUS and GC).
  const versions = [...new Set([o.cniVersion, "1.1.0"])];
  return `${JSON.stringify({ cniVersion: o.cniVersion, cniVersions: versions, name: "netattach", plugins: [plugin] }, null, 2)}\n`;
}

async function install(o: InstallOptions, ctx: CommandContext): Promise<void> {
  const cluster = o.clusterNetwork !== undefined ? { name: o.clusterNetwork } : await findClusterNetwork(o.confDir);
  if (cluster === undefined)
    throw new Error(
      `no other CNI config in ${o.confDir} to use as the cluster network; install it first or pass --cluster-network`,
    );
  const binary = await readFile(o.shim).catch((err: unknown) => {
    throw new Error(`cannot read the shim ${o.shim}: ${(err as Error).message}`, { cause: err });
  });
  const binTarget = join(o.binDir, SHIM_TYPE);
  if (await sameContent(binTarget, binary)) ctx.stdout.write(`${binTarget} unchanged\n`);
  else {
    await writeFileAtomic(binTarget, binary, 0o755);
    ctx.stdout.write(`installed ${binTarget}\n`);
  }
  const confTarget = join(o.confDir, CONFLIST_NAME);
  const conflist = renderConflist(o, cluster);
  if (await sameContent(confTarget, conflist))
    ctx.stdout.write(`${confTarget} unchanged (cluster network "${cluster.name}")\n`);
  else {
    await writeFileAtomic(confTarget, conflist, 0o644);
    ctx.stdout.write(`wrote ${confTarget} (cluster network "${cluster.name}")\n`);
  }
}

async function uninstall(o: InstallOptions, ctx: CommandContext): Promise<void> {
  for (const path of [join(o.confDir, CONFLIST_NAME), join(o.binDir, SHIM_TYPE)]) {
    await rm(path, { force: true });
    ctx.stdout.write(`removed ${path}\n`);
  }
}

export const installCommand: Command = {
  name: "install",
  summary: "install the CNI shim and its conflist (atomically); --uninstall removes them",
  usage,
  async run(ctx) {
    const o = parseOptions(ctx);
    if (o === undefined) {
      ctx.stdout.write(usage);
      return ExitCode.Ok;
    }
    await (o.uninstall ? uninstall(o, ctx) : install(o, ctx));
    return ExitCode.Ok;
  },
};
