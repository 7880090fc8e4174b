// Public surface of the attachment service. Code outside server/src/attach imports this file.
export type * from "./contract.js";
export type * from "./attachment-plan.js";
export type * from "./ports.js";
export type * from "./network-status-entry.js";
export type { AttachmentPhase, AttachmentRecord, AttachmentStore, HistoryEntry } from "./attachment-store.js";
export { isUnreadable } from "./attachment-store.js";

export {
  createAttachmentService,
  type AttachmentServiceDeps,
  type StartupRecovery,
} from "./create-attachment-service.js";
export { gateAttachOnReadiness } from "./ready-gate.js";
export { trackInFlightCalls, type InFlightCalls } from "./in-flight-calls.js";
export { createFileAttachmentStore, removeTempFiles } from "./file-attachment-store.js";
export { migrateLegacyStore, type MigrationOutcome } from "./migrate-legacy-store.js";
export { createPluginFinder, type FindPlugin } from "./plugin-check.js";
export { createSysfsNodeLinks, type NodeLinks } from "./preflight/node-links.js";
export { createProcHostSockets } from "./preflight/host-sockets.js";
export { netnsGone, type GoneReason, type SandboxTruth, type TruthSnapshot } from "./sandbox-truth.js";
export { MAX_TIMER_MS, timeoutSignal, withDeadline } from "./call-deadline.js";
