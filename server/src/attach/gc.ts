// GC, and the reconciler's pass: detach every saved attachment whose sandbox is gone, retry the
// orphans, then run CNI GC on each network with the attachments still valid. Which sandboxes are
// gone is either the caller's word (the runtime's CNI GC: its valid attachments) or the
// SandboxTruth's (the container runtime's sandbox list, netns existence, the pod informer), and
// then an attachment younger than the grace period is spared: it may belong to an ADD the runtime
// has not finished yet. Errors are collected, never fatal; a dry run only reports.
import type { Logger } from "pino";
import { containerIdProblem } from "../cni/index.js";
import { quoteInput } from "../errors/bounded-text.js";
import { DaemonError } from "../errors/daemon-error.js";
import type { GcItem, GcRequest, GcResult } from "./contract.js";
import type { SandboxTruth } from "./sandbox-truth.js";
import type { UnreadableEntry } from "./attachment-store.js";
import { retryOrphans } from "./gc-orphans.js";
import { detachStale, type Judge, type PassLocks } from "./gc-stale.js";
import { gcNetworks, type GcNetworksDeps } from "./gc-networks.js";

export interface GcDeps extends GcNetworksDeps {
  readonly truth: SandboxTruth;
  /** Attachments younger than this (since their last write) are never judged by the truth. */
  readonly gracePeriodMs: number;
}

export interface GcCall {
  readonly signal: AbortSignal;
  readonly log: Logger;
  readonly locks: PassLocks;
}

export async function gc(deps: GcDeps, req: GcRequest, call: GcCall): Promise<GcResult> {
  if (req.validContainerIds !== undefined) checkValidIds(req.validContainerIds);
  const dryRun = req.dryRun === true;
  const errors: string[] = [];
  const items: GcItem[] = [];
  const background = req.background === true;
  const pass = { ...call, dryRun, background, errors, items, unreadable: [] as UnreadableEntry[] };

  const judge =
    req.validContainerIds !== undefined ? validSetJudge(req.validContainerIds) : await truthJudge(deps, call.signal);
  const { kept, removed } = await detachStale(deps, judge, pass);
  const orphans = await retryOrphans(deps, pass);
  const notes = [...judge.notes, ...(await gcNetworks(deps, [...kept, ...orphans], { ...pass, wait: !background }))];
  // One event per pass (no container), so metrics and the stream can count passes; removals have their own.
  deps.events.emit({
    kind: "reconcile",
    outcome: errors.length === 0 ? "ok" : "partial",
    time: deps.now(),
    containerId: "",
    phase: dryRun ? "gc-dry-run" : "gc",
    message: `${removed.length} sandbox(es) ${dryRun ? "would be " : ""}removed, ${errors.length} error(s); judged by ${judge.sources.join(", ")}${unreadableNote(pass.unreadable)}`,
  });
  return { removedContainerIds: removed, errors, dryRun, sources: judge.sources, notes, items };
}

function unreadableNote(entries: readonly UnreadableEntry[]): string {
  return entries.length === 0 ? "" : `; ${entries.length} unreadable saved record(s) left in place, CNI GC skipped`;
}

/**
 * Each entry of the caller's valid set must name a container: one that is empty or malformed
 * matches no saved attachment, so the pass would remove the very one it meant to keep. Refused
 * before anything is judged or removed.
 */
function checkValidIds(ids: readonly string[]): void {
  ids.forEach((id, i) => {
    const problem = containerIdProblem(id);
    if (problem === undefined) return;
    const entry = `valid_attachments.container_ids[${i}]`;
    throw new DaemonError(
      "INVALID_REQUEST",
      id === "" ? `${entry} has no containerID` : `${entry}: containerID ${quoteInput(id)} ${problem}`,
      { phase: "gc", source: entry },
    );
  });
}

function validSetJudge(ids: readonly string[]): Judge {
  const valid = new Set(ids);
  return {
    sources: ["the caller's valid attachments"],
    notes: [],
    graceMs: 0,
    gone: async (r) => (valid.has(r.plan.containerId) ? undefined : "not-valid"),
  };
}

async function truthJudge(deps: GcDeps, signal: AbortSignal): Promise<Judge> {
  const snapshot = await deps.truth.snapshot(signal);
  return {
    sources: snapshot.sources,
    notes: snapshot.notes,
    graceMs: deps.gracePeriodMs,
    gone: (r, s) => snapshot.gone(r, s),
  };
}
