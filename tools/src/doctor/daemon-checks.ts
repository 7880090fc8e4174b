// Doctor checks that ask netattachd itself: reachable and ready; what it warns about its config; saved attachments whose
// network namespace is gone (stale state the runtime will never DEL), and saved records it cannot
// read (never reconciled: what they hold stays reserved until someone looks, or, for records a
// newer netattachd wrote, until netattachd is rolled forward).
import { existsSync } from "node:fs";
import type { DaemonClient } from "../daemon-client.js";
import { failureOf } from "../daemon/rpc-failure.js";
import type { CheckResult } from "./doctor-check.js";

export interface CallOptions {
  readonly deadline: Date;
  readonly signal?: AbortSignal;
}

const DAEMONSET_HINT =
  "kubectl -n kube-system get pods -l app.kubernetes.io/name=netattach -o wide; kubectl -n kube-system logs ds/netattach";

/** The daemon check, and the warnings the daemon reported (GetStatus) when it answered. */
export async function checkDaemon(
  client: DaemonClient,
  socket: string,
  opts: CallOptions,
): Promise<{ result: CheckResult; warnings?: readonly string[] }> {
  try {
    const status = await client.api.getStatus({}, opts);
    const { warnings } = status;
    const cluster = status.clusterNetwork ? ` (cluster network ${status.clusterNetwork.name})` : "";
    if (status.ready)
      return {
        result: { check: "daemon", status: "ok", message: `netattachd on ${socket} is ready${cluster}` },
        warnings,
      };
    return {
      result: {
        check: "daemon",
        status: "fail",
        message: `netattachd on ${socket} is not ready: ${status.reasons.join("; ") || "no reason given"}`,
        fix: `pods wait in ContainerCreating until it is ready; read its log for the cause (${DAEMONSET_HINT})`,
      },
      warnings,
    };
  } catch (err) {
    const failure = failureOf(err, socket);
    if (failure === undefined) throw err;
    return {
      result: {
        check: "daemon",
        status: "fail",
        message: `${failure.code}: ${failure.message}`,
        fix: `start netattachd, or point doctor at its socket with --socket (${DAEMONSET_HINT})`,
      },
    };
  }
}

/**
 * What netattachd warns about its config (keys it does not know and ignores, a stateDir in the
 * container's own root): `from` says whose list it is (the running daemon's, or doctor's own read of
 * the file when the daemon did not answer).
 */
export function checkConfigWarnings(warnings: readonly string[], from: string): CheckResult {
  if (warnings.length === 0) return { check: "config", status: "ok", message: `${from}: no warnings` };
  return {
    check: "config",
    status: "warn",
    message: [`${from}: ${warnings.length} warning(s):`, ...warnings].join("\n"),
    fix:
      "an unknown key: correct a typo (one close to a known key is refused at start-up instead), or remove it; after an image rollback (kubectl rollout undo), roll the " +
      "ConfigMap netattach-config back to the release's too, then restart the pods. A stateDir in the container's " +
      "root: put it on the DaemonSet's state hostPath (docs/deploy.md, Upgrades and rollbacks)",
  };
}

export async function checkStaleState(client: DaemonClient, opts: CallOptions): Promise<CheckResult> {
  const { attachments, unreadable } = await client.api.listAttachments(
    { podNamespace: "", podName: "", containerId: "" },
    opts,
  );
  const stale = attachments.filter((a) => a.netnsPath !== "" && !existsSync(a.netnsPath));
  if (stale.length === 0 && unreadable.length === 0)
    return {
      check: "stale-state",
      status: "ok",
      message: `${attachments.length} saved attachment(s), every network namespace exists`,
    };
  const messages: string[] = [];
  const fixes: string[] = [];
  // A record a newer netattachd wrote is whole, and the only note of what its pod holds: never removed.
  const tooNew = unreadable.filter((u) => u.recordVersion > 0);
  const corrupt = unreadable.filter((u) => u.recordVersion === 0);
  if (tooNew.length > 0) {
    messages.push(
      `${tooNew.length} saved record(s) were written by a newer netattachd (this one reads record version ${tooNew[0]!.readerVersion}); netattachd keeps them as they are, never reconciles them, and their pods' DEL fails (CNI 11, retried by the runtime) until it is rolled forward:`,
      ...tooNew.map((u) => `${u.path}: record version ${u.recordVersion}`),
    );
    fixes.push(
      "roll netattachd forward (the DaemonSet's image) to the release that wrote them or a later one; do not remove these records: their pods' secondary networks would never be released",
    );
  }
  if (corrupt.length > 0) {
    messages.push(
      `${corrupt.length} saved record(s) cannot be read; netattachd leaves them in place and never reconciles them:`,
      ...corrupt.map((u) => `${u.path}: ${u.problem}`),
    );
    // What such a record held is unknown to netattachd: only a person can release it.
    fixes.push(
      "release what each of these containers holds by hand (its netns; IPAM reservations naming its id under /var/lib/cni/networks), then remove its record:",
      ...corrupt.map((u) => `rm ${u.path}`),
    );
  }
  if (stale.length > 0) {
    messages.push(
      `${stale.length} saved attachment(s) whose network namespace no longer exists; their addresses stay reserved:`,
      ...stale.map(
        (a) => `${a.containerId} (${a.pod?.namespace ?? ""}/${a.pod?.name ?? ""}, netns ${a.netnsPath} is gone)`,
      ),
    );
    // The reconciler removes them within reconcile.intervalMs; gc does it now, detach one at a time.
    fixes.push("netattachctl gc", ...stale.map((a) => `netattachctl detach --container-id ${a.containerId}`));
  }
  return {
    check: "stale-state",
    status: unreadable.length > 0 ? "fail" : "warn",
    message: messages.join("\n"),
    fix: fixes.join("\n"),
  };
}
