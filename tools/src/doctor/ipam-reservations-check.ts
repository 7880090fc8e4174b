// host-local reservations nothing owns: an address whose container id no saved attachment has
// (its record lost with stateDir, or a crash between the reservation and the record) stays
// reserved for good. Reservations are read before the owners are asked, so an ADD in flight
// (netattach saves its record before any plugin runs) is never taken for a leak; each finding's
// file is read again after, so a DEL that ended in between (record, then file gone) is none either.
//
// How sure a finding is depends on what can be asked:
// - the container runtime's sandbox list (CRI ListPodSandbox, the reconciler's own truth) answers:
//   an id it does not list is gone, whatever the network (fail); an id it lists with no record is a
//   pod that predates netattach on the cluster network (fine), or a live pod whose record was lost
//   on a secondary one (warn: its DEL will not release it, as nothing says netattach added it);
// - without it: the cluster network's unrecorded reservations may be pods that predate netattach
//   (warn); a secondary network's cannot (netattach is the only one that reserves there: fail).
import type { CheckResult, CheckStatus } from "./doctor-check.js";
import type { HostLocalDir } from "./host-local-dirs.js";
import { readReservations, stillReserved, type Reservation } from "./host-local-reservations.js";

export interface ReservationOwners {
  /** Container ids of the saved attachments, readable or not. */
  readonly recorded: ReadonlySet<string>;
  /** The cluster network's CNI name; undefined when netattachd has none loaded (every network may be it). */
  readonly clusterNetwork: string | undefined;
  /** The container runtime's sandbox ids, or why it could not be asked. */
  readonly sandboxes: { readonly ids: ReadonlySet<string>; readonly runtime: string } | { readonly why: string };
}

export interface ReleaseTools {
  /** netattachd's cniBinDirs and result cache dir, for `netattachctl cni del`. */
  readonly binDirs: readonly string[];
  readonly cacheDir: string;
}

export interface ReservationLimits {
  /** Address files read per data dir. */
  readonly maxReads: number;
  /** Findings (and fixes) listed before "… and N more". */
  readonly maxListed: number;
}

const RESERVATION_LIMITS: ReservationLimits = { maxReads: 5_000, maxListed: 20 };

export interface ReservationScope {
  /** Places whose networks could not be read (the Kubernetes API), one line each: the check warns. */
  readonly notRead?: readonly string[];
  readonly limits?: ReservationLimits;
}

const UNREAD_FILES_FIX =
  "host-local counts every file named by an address as reserved: check those named above (reading the data dirs needs root)";
const NOT_READ_FIX =
  "make the Kubernetes API reachable with the settings named above (netattachd's kubernetes.mode and kubeconfigPath), or run doctor where it is";

export const PREDATES_NETATTACH = "no saved attachment; live only if the pod predates netattach";
const SECONDARY_UNRECORDED =
  "no saved attachment; netattach is the only one that reserves on a secondary network, so nothing releases it";
const LIVE_SECONDARY =
  "no saved attachment, but the container runtime lists the sandbox: its DEL will not release this address";

interface Finding {
  readonly status: "warn" | "fail";
  readonly dir: HostLocalDir;
  readonly r: Reservation;
  readonly why: string;
  /** The release is safe only once no pod runs with this id. */
  readonly ifGone: boolean;
}

export async function checkIpamReservations(
  dirs: readonly HostLocalDir[],
  owners: () => Promise<ReservationOwners>,
  tools: ReleaseTools,
  scope: ReservationScope = {},
): Promise<CheckResult> {
  const { notRead = [], limits = RESERVATION_LIMITS } = scope;
  if (dirs.length === 0) {
    const message = ["no configured network uses host-local IPAM", ...notRead].join("\n");
    return notRead.length === 0
      ? { check: "ipam-reservations", status: "ok", message }
      : { check: "ipam-reservations", status: "warn", message, fix: NOT_READ_FIX };
  }
  const read = [];
  for (const dir of dirs) read.push({ dir, ...(await readReservations(dir.dir, limits.maxReads)) });
  const who = await owners();
  const suspects: Finding[] = [];
  const notes: string[] = [...notRead];
  let total = 0;
  let live = 0;
  for (const { dir, reservations, skipped, unread, problem } of read) {
    if (problem !== undefined) notes.push(problem);
    if (skipped.length > 0)
      notes.push(`${skipped.length} file(s) in ${dir.dir} named by an address skipped: ${skipped[0]!}`);
    if (unread > 0)
      notes.push(
        `… and ${unread} more address file(s) in ${dir.dir}, not read (doctor reads ${limits.maxReads} per data dir)`,
      );
    total += reservations.length;
    const isCluster = who.clusterNetwork === undefined || who.clusterNetwork === dir.cniName;
    for (const r of reservations) {
      if (who.recorded.has(r.containerId)) continue;
      const finding = judge(r, isCluster, who.sandboxes);
      if (finding === "live") live++;
      else suspects.push({ dir, r, ...finding });
    }
  }
  const kept = await stillReserved(suspects.map((f) => f.r));
  const findings = suspects.filter((_, i) => kept[i]);
  const status: CheckStatus = findings.some((f) => f.status === "fail")
    ? "fail"
    : findings.length > 0 || notes.length > 0
      ? "warn"
      : "ok";
  const predating = live > 0 ? `; ${live} of running pods that predate netattach (cluster network)` : "";
  const summary = `${total} reservation(s) in ${dirs.length} host-local data dir(s)`;
  if (findings.length === 0)
    return {
      check: "ipam-reservations",
      status,
      message: [`${summary}, each owned by a saved attachment${predating}`, ...notes].join("\n"),
      ...(status === "ok"
        ? {}
        : {
            fix: [
              ...(notes.length > notRead.length ? [UNREAD_FILES_FIX] : []),
              ...(notRead.length > 0 ? [NOT_READ_FIX] : []),
            ].join("\n"),
          }),
    };
  const asked =
    "ids" in who.sandboxes
      ? `sandboxes as listed by ${who.sandboxes.runtime}`
      : `the container runtime was not asked (${who.sandboxes.why})`;
  return {
    check: "ipam-reservations",
    status,
    message: [
      `${summary}; ${findings.length} with no saved attachment (${asked}):`,
      ...capped(findings.map(describe), limits.maxListed),
      ...notes,
    ].join("\n"),
    fix: [
      "release each with the plugin's own DEL (or remove the file host-local wrote):",
      ...capped(releases(findings, tools), limits.maxListed),
    ].join("\n"),
  };
}

function judge(
  r: Reservation,
  isCluster: boolean,
  sandboxes: ReservationOwners["sandboxes"],
): "live" | Pick<Finding, "status" | "why" | "ifGone"> {
  if ("ids" in sandboxes) {
    if (!sandboxes.ids.has(r.containerId))
      return {
        status: "fail",
        why: "no saved attachment, and the container runtime does not list the sandbox",
        ifGone: false,
      };
    return isCluster ? "live" : { status: "warn", why: LIVE_SECONDARY, ifGone: true };
  }
  return isCluster
    ? { status: "warn", why: PREDATES_NETATTACH, ifGone: true }
    : { status: "fail", why: SECONDARY_UNRECORDED, ifGone: false };
}

function describe(f: Finding): string {
  const ifName = f.r.ifName !== "" ? f.r.ifName : "(not recorded)";
  return `${f.r.ip} in ${f.dir.dir} (network ${f.dir.networks.join(", ")}): container ${f.r.containerId}, interface ${ifName}: ${f.why}`;
}

/** One DEL per container and interface (it releases every address of both families); else the file. */
function releases(findings: readonly Finding[], tools: ReleaseTools): string[] {
  const out = new Set<string>();
  for (const f of findings) {
    const { confFile } = f.dir;
    const cmd =
      confFile !== undefined && f.r.ifName !== ""
        ? `netattachctl cni del ${confFile} --container-id ${f.r.containerId} --ifname ${f.r.ifName} --bin-dir ${tools.binDirs.join(":")} --cache-dir ${tools.cacheDir}`
        : `rm ${f.r.path}`;
    out.add(f.ifGone ? `once crictl pods --id ${f.r.containerId} lists nothing: ${cmd}` : cmd);
  }
  return [...out];
}

function capped(lines: readonly string[], max: number): string[] {
  return lines.length <= max ? [...lines] : [...lines.slice(0, max), `… and ${lines.length - max} more`];
}
