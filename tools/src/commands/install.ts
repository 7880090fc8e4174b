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
import { createHash } from "node:crypto";
import { readdir, readFile, rm, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { DEFAULT_READINESS_TIMEOUT_MS } from "../../../client-cni/src/shim-conf.js";
import { isTempFileOf, writeFileAtomic } from "../../../server/src/atomic-file/index.js";
import { listConfFiles } from "../../../server/src/cni/index.js";
import { DEFAULT_SOCKET_PATH } from "../../../server/src/wire/index.js";
import { DEFAULTS } from "../../../server/src/config/index.js";
import { ExitCode, type Command, type CommandContext } from "../command.js";
import { parseLocalCommand } from "../daemon/daemon-options.js";
import { checkConfOrderBeforeInstall } from "../doctor/conf-order-check.js";
import {
  checkShimSettings,
  CONFLIST_NAME,
  renderConflist,
  SHIM_CAPABILITIES,
  SHIM_TYPE,
  type ShimSettings,
} from "../install/shim-conflist.js";
import { describeSaved, isEmpty, savedAttachments } from "../install/saved-attachments.js";

export { CONFLIST_NAME, renderConflist, SHIM_CAPABILITIES, SHIM_TYPE };

const usage = `Usage:
  netattachctl install [flags]               install the shim and ${CONFLIST_NAME}
  netattachctl install --uninstall [flags]   remove both (refused while pods use secondary networks)

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
  --state-dir DIR             --uninstall: netattachd's stateDir (default ${DEFAULTS.stateDir})
  --force                     --uninstall even while saved attachments hold secondary networks

The daemon takes its cluster network from ITS config (clusterNetwork); the conflist records
the one found here for people and tools reading the conf dir (key "clusterNetwork").
Installing again with the same inputs changes nothing.

--uninstall looks at the attachments netattachd saved in --state-dir first: once the conflist
is gone the runtime tears pods down with the cluster network alone, so the secondary networks of
pods still running would keep their addresses for good. While any such attachment, or an
orphaned delegate not yet released, is saved, it removes nothing and exits 1 naming them
(drain the node or delete those pods first); so it does while --state-dir does not exist (pass
netattachd's stateDir); --force removes the files anyway. Exit codes:
0 done, 1 refused or failed, 2 usage error.
`;

interface InstallOptions extends ShimSettings {
  shim: string;
  binDir: string;
  confDir: string;
  clusterNetwork: string | undefined;
  uninstall: boolean;
  stateDir: string;
  /** --state-dir was given (not the default). */
  stateDirGiven: boolean;
  force: boolean;
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
      "state-dir": { type: "string" },
      force: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    "install",
    "it writes the shim and its conflist and calls no daemon; it prints only what it changed",
  );
  if (values.help) return undefined;
  // Empty stays empty (the shim's rules refuse it): resolving "" would silently mean the cwd.
  const abs = (p: string): string => (p === "" ? p : resolve(ctx.cwd, p));
  const timeout = values["readiness-timeout-ms"];
  const o: InstallOptions = {
    shim: abs(values.shim ?? `build/${SHIM_TYPE}`),
    binDir: abs(values["bin-dir"] ?? "/opt/cni/bin"),
    confDir: abs(values["conf-dir"] ?? "/etc/cni/net.d"),
    socket: abs(values.socket ?? DEFAULT_SOCKET_PATH),
    // Empty (an unset variable in a manifest) means "find it", like leaving the flag out.
    clusterNetwork: values["cluster-network"] || undefined,
    cniVersion: values["cni-version"] ?? "1.0.0",
    // Number("") is 0 (never wait): an empty value is no number.
    readinessTimeoutMs:
      timeout === undefined ? DEFAULT_READINESS_TIMEOUT_MS : timeout.trim() === "" ? NaN : Number(timeout),
    logFile: values["log-file"] === undefined ? undefined : abs(values["log-file"]),
    logLevel: values["log-level"],
    uninstall: values.uninstall === true,
    stateDir: abs(values["state-dir"] ?? DEFAULTS.stateDir),
    stateDirGiven: values["state-dir"] !== undefined,
    force: values.force === true,
  };
  if (!o.uninstall) checkShimSettings(o, (flag) => values[flag.slice(2) as keyof typeof values] as string | undefined);
  return o;
}

async function sameContent(path: string, data: Uint8Array | string): Promise<boolean> {
  const current = await readFile(path).catch(() => undefined);
  if (current === undefined) return false;
  const hash = (d: Uint8Array | string): string => createHash("sha256").update(d).digest("hex");
  return hash(current) === hash(data);
}

/** The first other config in the runtime's order, as containerd would pick it without us. */
export async function findClusterNetwork(confDir: string): Promise<{ name: string; file: string } | undefined> {
  const path = (await listConfFiles(confDir)).find((f) => basename(f) !== CONFLIST_NAME);
  if (path === undefined) return undefined;
  let name: unknown;
  try {
    name = (JSON.parse(await readFile(path, "utf8")) as { name?: unknown }).name;
  } catch (err) {
    throw new Error(`${path} is not valid JSON, so the runtime could not load it either`, { cause: err });
  }
  if (typeof name !== "string" || name === "") throw new Error(`${path} has no "name"`);
  return { name, file: basename(path) };
}

async function install(o: InstallOptions, ctx: CommandContext): Promise<void> {
  // Everything that can refuse does so before the first write.
  await requireDir(o.binDir, "--bin-dir");
  await requireDir(o.confDir, "--conf-dir");
  const shadowed = await checkConfOrderBeforeInstall(o.confDir);
  if (shadowed !== undefined) throw new Error(`${shadowed.message}; nothing installed\nfix: ${shadowed.fix}`);
  const cluster = o.clusterNetwork !== undefined ? { name: o.clusterNetwork } : await findClusterNetwork(o.confDir);
  if (cluster === undefined)
    throw new Error(
      `no other CNI config in ${o.confDir} to use as the cluster network; install it first or pass --cluster-network`,
    );
  const binary = await readFile(o.shim).catch((err: unknown) => {
    throw new Error(`cannot read the shim ${o.shim}: ${(err as Error).message}`, { cause: err });
  });
  const binTarget = join(o.binDir, SHIM_TYPE);
  const confTarget = join(o.confDir, CONFLIST_NAME);
  for (const target of [binTarget, confTarget]) await removeStaleTemps(target, ctx);
  if (await sameContent(binTarget, binary)) ctx.stdout.write(`${binTarget} unchanged\n`);
  else {
    await write(binTarget, binary, 0o755);
    ctx.stdout.write(`installed ${binTarget}\n`);
  }
  const conflist = renderConflist(o, cluster);
  if (await sameContent(confTarget, conflist))
    ctx.stdout.write(`${confTarget} unchanged (cluster network "${cluster.name}")\n`);
  else {
    await write(confTarget, conflist, 0o644);
    ctx.stdout.write(`wrote ${confTarget} (cluster network "${cluster.name}")\n`);
  }
}

/** The one atomic write (temp file beside the target, fsync, rename; the temp file goes on any failure). */
async function write(target: string, data: Uint8Array | string, mode: number): Promise<void> {
  await writeFileAtomic(target, data, { mode }).catch((err: unknown) => {
    throw new Error(`cannot write ${target}: ${(err as Error).message}`, { cause: err });
  });
}

/**
 * Removes the temp files a write of `target` left when it was killed (an init container OOM-killed
 * or evicted mid-copy leaves up to a whole shim, 100+ MB, each time), and nothing else in the
 * host's CNI dirs. Install runs alone on its node (the DaemonSet's init container), so none is a
 * write in flight. One that cannot be removed, or a directory that cannot be listed, is named on
 * stderr and the install goes on: a leftover temp file only wastes space (no runtime loads a .tmp
 * name), and a directory that really cannot be used fails the write that follows, with its error.
 */
async function removeStaleTemps(target: string, ctx: CommandContext): Promise<void> {
  const dir = dirname(target);
  const names = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== "ENOENT")
      ctx.stderr.write(`warning: cannot list ${dir} for stale temp files of ${target}: ${err.message}; none removed\n`);
    return [] as string[];
  });
  for (const name of names.filter((n) => isTempFileOf(target, n))) {
    const path = join(dir, name);
    await rm(path).then(
      () => ctx.stdout.write(`removed stale temp file ${path}\n`),
      (err: NodeJS.ErrnoException) => {
        if (err.code !== "ENOENT") ctx.stderr.write(`warning: cannot remove stale temp file ${path}: ${err.message}\n`);
      },
    );
  }
}

async function requireDir(dir: string, flag: string): Promise<void> {
  const st = await stat(dir).catch((err: NodeJS.ErrnoException) => {
    throw new Error(`${flag} ${dir}: ${err.code === "ENOENT" ? "no such directory" : err.message}`, { cause: err });
  });
  if (!st.isDirectory()) throw new Error(`${flag} ${dir}: not a directory`);
}

async function uninstall(o: InstallOptions, ctx: CommandContext): Promise<void> {
  await checkSavedAttachments(o, ctx);
  for (const path of [join(o.confDir, CONFLIST_NAME), join(o.binDir, SHIM_TYPE)]) {
    const gone = await rm(path).then(
      () => false,
      (err: NodeJS.ErrnoException) => {
        if (err.code === "ENOENT") return true;
        throw new Error(`cannot remove ${path}: ${err.message}`, { cause: err });
      },
    );
    ctx.stdout.write(gone ? `${path} was not there\n` : `removed ${path}\n`);
    await removeStaleTemps(path, ctx);
  }
  if (await exists(o.stateDir)) {
    ctx.stdout.write(`left ${o.stateDir}: netattachd's saved state, to remove by hand once its DaemonSet is gone\n`);
  }
}

const exists = (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false,
  );

/**
 * Refuses (nothing removed) while the conflist is installed and saved attachments would leak;
 * with --force, or once the conflist is gone already (the harm is done), only warns.
 */
async function checkSavedAttachments(o: InstallOptions, ctx: CommandContext): Promise<void> {
  const installed = await exists(join(o.confDir, CONFLIST_NAME));
  if (!(await exists(o.stateDir))) {
    // A typo, or a stateDir the daemon's config moves elsewhere: nothing checked is no "nothing saved".
    // A node where netattachd never ran looks the same; --force says so.
    const which = o.stateDirGiven ? `--state-dir ${o.stateDir}` : `${o.stateDir} (the default --state-dir)`;
    const what = `${which} does not exist, so which attachments netattachd saved is unknown (is it netattachd's stateDir, the stateDir key of its config?)`;
    if (installed && !o.force) {
      throw new Error(
        `${what}; nothing removed\nfix: pass netattachd's stateDir as --state-dir; --force uninstalls without checking (right only if netattachd never ran on this node)`,
      );
    }
    ctx.stderr.write(`warning: ${what}; not checked\n`);
    return;
  }
  const saved = await savedAttachments(o.stateDir).catch((err: unknown) => {
    const why = `cannot tell which attachments ${o.stateDir} holds: ${(err as Error).message}`;
    if (!o.force) throw new Error(`${why}; nothing removed (--force uninstalls without knowing)`, { cause: err });
    ctx.stderr.write(`warning: ${why}\n`);
  });
  if (saved === undefined || isEmpty(saved)) return;
  const what =
    `${o.stateDir} holds ${describeSaved(saved)}: without the conflist the runtime tears pods down with the ` +
    "cluster network alone, so their secondary networks' addresses stay reserved for good";
  if (installed && !o.force) {
    throw new Error(
      `${what}; nothing removed\nfix: drain the node (or delete those pods) and let netattachd detach them ` +
        "(orphans: netattachctl gc), then uninstall again; --force uninstalls anyway",
    );
  }
  ctx.stderr.write(`warning: ${what}\n`);
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
