// In which order a pod's delegates run. The cluster network's goes alone first on ADD (the
// runtime's result is its result, and secondaries may route through it), then the secondary
// networks' concurrently; DEL the other way round: secondaries concurrently, then the cluster
// network. Serial (one after another, DEL in reverse) when the daemon config turns parallel off
// (parallelSecondaries) or the pod asks for it (resolve's serialRequested, saved in the plan).
import pLimit from "p-limit";
import type { AttachmentPlan, PlannedDelegate } from "./attachment-plan.js";

export interface DelegateSchedule {
  /** Secondary networks run concurrently (daemon config parallelSecondaries). */
  readonly parallel: boolean;
  /**
   * Every delegate run (ADD, DEL, cleanup) goes through it: with parallel secondaries at most
   * maxConcurrent run at once over all calls, as serial calls never exceed. It is not the call
   * slots' limit: a call already holds one of those, and waiting for a second would deadlock.
   */
  limit<T>(fn: () => Promise<T>): Promise<T>;
}

/** Every delegate alone, in plan order (ADD) or reverse (DEL). */
export const SERIAL_SCHEDULE: DelegateSchedule = { parallel: false, limit: (fn) => fn() };

export function createDelegateSchedule(parallel: boolean, maxConcurrent: number): DelegateSchedule {
  if (!parallel) return SERIAL_SCHEDULE;
  const limit = pLimit(Math.max(1, maxConcurrent));
  return { parallel, limit: (fn) => limit(fn) };
}

/**
 * ADD's stages, in the order they run: the delegates of one stage run concurrently. `delegates` is
 * the plan's list or a part of it in plan order (a rollback's, an orphan's).
 */
export function addStages(
  schedule: DelegateSchedule,
  plan: Pick<AttachmentPlan, "serialNetworks">,
  delegates: readonly PlannedDelegate[],
): PlannedDelegate[][] {
  if (!schedule.parallel || plan.serialNetworks === true || delegates.length < 2) return delegates.map((d) => [d]);
  const [first, ...rest] = delegates;
  return first!.isDefault ? [[first!], rest] : [[...delegates]];
}

/** DEL's stages: ADD's in reverse, each stage's delegates last first (their order in results and history). */
export function delStages(
  schedule: DelegateSchedule,
  plan: Pick<AttachmentPlan, "serialNetworks">,
  delegates: readonly PlannedDelegate[],
): PlannedDelegate[][] {
  return addStages(schedule, plan, delegates)
    .reverse()
    .map((stage) => stage.reverse());
}
