// What a test run could leave on the host, read as sets of one-line entries, and what is new in a
// later reading: the run's temp entries, network namespaces, mounts, top-level cgroups, host links,
// routes and policy rules, iptables chains and rules, libcni's cached results, and the run's
// processes. The suite's leak
// guard (host-leak-guard.ts) compares a reading before the run with one after; benchmarks read
// links and netns through the same readers.
import { readdir, readFile, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { PLUGIN_OWNER_ENV } from "../../server/src/cni/index.js";
import { CNI_BIN_DIRS } from "./cni-bin.js";
import { REPO_ROOT } from "./containerd/shim-binary.js";
import { filesUnder, isIpamBookkeeping } from "./host-net.js";
import { NETNS_DIR } from "./netns.js";
import { listProcesses, type HostProcess } from "./processes.js";
import { isRoot } from "./root.js";
import { runCmd } from "./run-cmd.js";

export type HostKind =
  | "temp entry"
  | "netns"
  | "mount"
  | "cgroup"
  | "host link"
  | "route"
  | "policy rule"
  | "iptables"
  | "libcni cache file"
  | "process";

export type HostState = Readonly<Record<HostKind, ReadonlySet<string>>>;

/** Entries of a directory; none when it does not exist. */
async function entries(dir: string): Promise<string[]> {
  return readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return [];
    throw err;
  });
}

export async function hostLinkNames(): Promise<Set<string>> {
  const { stdout } = await runCmd("ip", ["-o", "link", "show"]);
  return new Set(
    stdout
      .split("\n")
      .map((l) => l.split(": ")[1]?.split("@")[0] ?? "")
      .filter((n) => n !== ""),
  );
}

export async function netnsNames(): Promise<Set<string>> {
  return new Set(await entries(NETNS_DIR));
}

/** `ip -o <args>` lines, without what the kernel changes by itself (RA routes' lifetimes). */
async function ipLines(args: readonly string[]): Promise<string[]> {
  const { stdout } = await runCmd("ip", ["-o", ...args]);
  return stdout
    .split("\n")
    .map((l) => l.replace(/ expires \S+/, "").trim())
    .filter((l) => l !== "");
}

/** `<family> <table> <line>` for every chain and rule, without packet counters. */
async function iptablesLines(): Promise<string[]> {
  const out: string[] = [];
  for (const [family, cmd] of [
    ["ipv4", "iptables-save"],
    ["ipv6", "ip6tables-save"],
  ] as const) {
    let table = "";
    for (const line of (await runCmd(cmd, [])).stdout.split("\n")) {
      if (line.startsWith("*")) table = line.slice(1);
      else if (line.startsWith(":")) out.push(`${family} ${table} ${line.replace(/ \[\d+:\d+\]$/, "")}`);
      else if (line.startsWith("-A ")) out.push(`${family} ${table} ${line}`);
    }
  }
  return out;
}

/** Mount points of the host's mount namespace (netns bind mounts, a container's rootfs). */
async function mountPoints(): Promise<string[]> {
  return (await readFile("/proc/self/mountinfo", "utf8"))
    .split("\n")
    .map((line) => line.split(" ")[4] ?? "")
    .filter((p) => p !== "");
}

/**
 * Top-level cgroups of every hierarchy (cgroup v1's per controller, or v2's one): a test's
 * containers run below a cgroup parent of their own there, which its cleanup removes.
 */
async function topCgroups(): Promise<string[]> {
  const root = "/sys/fs/cgroup";
  const isHierarchy = async (dir: string): Promise<boolean> =>
    (await stat(join(dir, "cgroup.procs")).catch(() => null)) !== null;
  const hierarchies: string[] = [];
  if (await isHierarchy(root)) hierarchies.push(root);
  else
    for (const name of await entries(root)) if (await isHierarchy(join(root, name))) hierarchies.push(join(root, name));
  const out: string[] = [];
  for (const dir of hierarchies) {
    for (const e of await readdir(dir, { withFileTypes: true })) if (e.isDirectory()) out.push(join(dir, e.name));
  }
  return out;
}

/** Where a run's own processes come from, as their command lines and environments show it. */
export interface RunMarks {
  /** The test runner: its descendants are still running (workers, this reading's own commands). */
  readonly runner: number;
  /** The run's TMPDIR, inherited by everything the run starts with its environment. */
  readonly runDir: string;
}

/** Programs a test starts that may not inherit the run's environment (containerd and its shims). */
const OUR_PROGRAMS = new Set(["containerd", "containerd-shim", "containerd-shim-runc-v2", "runc"]);

/**
 * Processes the run started that now run outside the runner's tree (re-parented: they outlived
 * whoever started them), as "pid command line". A process is the run's when it carries the run's
 * TMPDIR or a daemon's plugin owner mark, runs containerd, runc or a CNI plugin, or names this
 * checkout or the run's temp dir; anything else on the host (a CI agent's own commands) is not the
 * suite's to judge.
 */
async function strayProcesses(marks: RunMarks): Promise<string[]> {
  const procs = await listProcesses();
  const parent = new Map(procs.map((p) => [p.pid, p.ppid]));
  const inRunner = (pid: number): boolean => {
    for (let p: number | undefined = pid, hops = 0; p !== undefined && p > 1 && hops < 64; hops++) {
      if (p === marks.runner) return true;
      p = parent.get(p);
    }
    return false;
  };
  const ours = (p: HostProcess): boolean => {
    const argv0 = p.argv[0] ?? "";
    return (
      p.environ.includes(`TMPDIR=${marks.runDir}`) ||
      p.environ.some((e) => e.startsWith(`${PLUGIN_OWNER_ENV}=`)) ||
      OUR_PROGRAMS.has(basename(argv0)) ||
      CNI_BIN_DIRS.some((dir) => argv0.startsWith(`${dir}/`)) ||
      // Daemons started with a clean environment: node or tsx running this checkout's code.
      p.cmdline.includes(REPO_ROOT) ||
      p.cmdline.includes(marks.runDir)
    );
  };
  return procs.filter((p) => !inRunner(p.pid) && ours(p)).map((p) => `${p.pid} ${p.cmdline}`);
}

/** Everything under `dir`, as paths: a directory that holds entries is named by them. */
async function tempEntries(dir: string): Promise<string[]> {
  const found = await readdir(dir, { recursive: true, withFileTypes: true });
  const parents = new Set(found.map((e) => e.parentPath));
  return found.map((e) => join(e.parentPath, e.name)).filter((p) => !parents.has(p));
}

/**
 * The host as a test run could change it. Without root only the run's temp entries, mounts, host
 * links, routes and processes are read (netns, cgroups, iptables and libcni's cache are root's,
 * and root tests do not run then).
 */
export async function hostState(marks: RunMarks): Promise<HostState> {
  const asRoot = <T>(read: () => Promise<T[]>): Promise<T[]> => (isRoot ? read() : Promise.resolve([]));
  const [temp, netns, mounts, cgroups, links, routes, rules, iptables, libcni, procs] = await Promise.all([
    tempEntries(marks.runDir),
    asRoot(async () => [...(await netnsNames())]),
    mountPoints(),
    asRoot(topCgroups),
    hostLinkNames(),
    Promise.all([ipLines(["-4", "route", "show", "table", "all"]), ipLines(["-6", "route", "show", "table", "all"])]),
    Promise.all([ipLines(["-4", "rule", "show"]), ipLines(["-6", "rule", "show"])]),
    asRoot(iptablesLines),
    // libcni's cache dir (containerd's default cacheDir) and host-local's default dataDir.
    asRoot(() => filesUnder("/var/lib/cni")),
    strayProcesses(marks),
  ]);
  return {
    "temp entry": new Set(temp),
    netns: new Set(netns),
    mount: new Set(mounts),
    cgroup: new Set(cgroups),
    "host link": links,
    route: new Set(routes.flat()),
    "policy rule": new Set(rules.flat()),
    iptables: new Set(iptables),
    "libcni cache file": new Set(libcni),
    process: new Set(procs),
  };
}

/**
 * Chains the portmap and firewall plugins create once per host and never remove, by design: their
 * DEL removes a container's rules, not the chains every container shares.
 */
const SHARED_CHAINS = new Set([
  "CNI-FORWARD",
  "CNI-ADMIN",
  "CNI-HOSTPORT-DNAT",
  "CNI-HOSTPORT-SNAT",
  "CNI-HOSTPORT-MASQ",
  "CNI-HOSTPORT-SETMARK",
]);

/** A shared chain, or a rule in or into one that is for no container (no address, port or own chain). */
function isSharedIptables(entry: string): boolean {
  const line = entry.split(" ").slice(2).join(" ");
  const declared = /^:(\S+)/.exec(line)?.[1];
  if (declared !== undefined) return SHARED_CHAINS.has(declared);
  const chain = /^-A (\S+)/.exec(line)?.[1] ?? "";
  const target = / -j (\S+)/.exec(line)?.[1];
  const touchesShared = SHARED_CHAINS.has(chain) || (target !== undefined && SHARED_CHAINS.has(target));
  const forAContainer =
    / (-s|-d|--dport|--dports|--to-destination) /.test(line) ||
    (target !== undefined && target.startsWith("CNI-") && !SHARED_CHAINS.has(target));
  return touchesShared && !forAContainer;
}

/**
 * A built-in chain at its default policy in a table the host did not have before the run: the
 * kernel registers a table the first time anything uses it, so on a fresh machine the first run's
 * iptables-save shows these where the one before showed nothing. In a table that was there, the
 * same line is a policy the run changed (a Docker host's FORWARD DROP flipped to ACCEPT).
 */
function isNewTablesBuiltinChain(entry: string, before: HostState): boolean {
  const [family, table] = entry.split(" ");
  const line = entry.split(" ").slice(2).join(" ");
  if (!/^:(PREROUTING|INPUT|FORWARD|OUTPUT|POSTROUTING) ACCEPT$/.test(line)) return false;
  const prefix = `${family} ${table} `;
  return ![...before.iptables].some((e) => e.startsWith(prefix));
}

/**
 * iproute2's own mount point for named netns: the first `ip netns add` after boot bind-mounts the
 * directory onto itself (shared propagation) and no command removes it. A netns in it is a leftover.
 */
const NETNS_DIR_MOUNTS = new Set(["/run/netns", "/var/run/netns"]);

/** What a run may add and keep, besides the plugins' shared state: caches in its temp dir. */
export interface Allowed {
  /** Directories whose contents may stay (a tool's cache), as paths. */
  readonly tempCaches: readonly string[];
}

function allowed(kind: HostKind, entry: string, allow: Allowed, before: HostState): boolean {
  switch (kind) {
    case "temp entry":
      return allow.tempCaches.some((dir) => entry === dir || entry.startsWith(`${dir}/`));
    case "iptables":
      return isSharedIptables(entry) || isNewTablesBuiltinChain(entry, before);
    case "mount":
      return NETNS_DIR_MOUNTS.has(entry);
    case "libcni cache file":
      return isIpamBookkeeping(entry);
    default:
      return false;
  }
}

/** "kind entry" for everything in `after` that `before` did not hold and no rule allows. */
export function leftovers(before: HostState, after: HostState, allow: Allowed): string[] {
  const out: string[] = [];
  for (const kind of Object.keys(after) as HostKind[]) {
    for (const entry of after[kind]) {
      if (!before[kind].has(entry) && !allowed(kind, entry, allow, before)) out.push(`${kind} ${entry}`);
    }
  }
  return out;
}
