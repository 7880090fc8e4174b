// The caller's deadline as an instant, from the transport to the adapter. grpc-js takes grpc-timeout
// out of the metadata (the call's getDeadline() keeps it) and Connect's handler reads
// Connect-Timeout-Ms; nice-grpc's context has only a signal, which aborts at the deadline just as
// on a cancel. Each transport puts the instant in the call's metadata under a key of ours,
// replacing whatever a client sent under it, and the adapter hands it to the domain with the signal.
// The instant is on the monotonic clock (call-deadline.ts): grpc-js's wall-clock Date is converted
// here, on arrival, to the time left from now.
import type { Metadata as GrpcJsMetadata } from "@grpc/grpc-js";
import type { Metadata } from "nice-grpc-common";

const KEY = "netattach-caller-deadline-ms";

/** grpc-js: the call's deadline (a Date, or Infinity when the caller set none) into its metadata. */
export function putGrpcJsDeadline(metadata: GrpcJsMetadata, deadline: Date | number): void {
  metadata.remove(KEY);
  // grpc-js set the Date from grpc-timeout (relative) with Date.now() as the call arrived.
  const epoch = deadline instanceof Date ? deadline.getTime() : deadline;
  if (Number.isFinite(epoch)) metadata.set(KEY, String(Math.floor(performance.now() + (epoch - Date.now()))));
}

/** Connect: the instant (performance.now() ms) Connect-Timeout-Ms names (undefined: none) into the call's metadata. */
export function putDeadline(metadata: Metadata, at: number | undefined): void {
  metadata.delete(KEY);
  if (at !== undefined) metadata.set(KEY, String(Math.floor(at)));
}

/** The instant (performance.now() ms) a transport put there; undefined when the caller set no deadline. */
export function callerDeadline(metadata: Metadata): number | undefined {
  const at = Number(metadata.get(KEY) ?? NaN);
  return Number.isFinite(at) ? at : undefined;
}
