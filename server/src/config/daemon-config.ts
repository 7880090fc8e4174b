// The daemon's settings: one typed object with defaults (config-schema.ts defines both), plain
// data passed down from main.ts.
import * as v from "valibot";
import { DAEMON_CONFIG_SCHEMA, type DaemonConfig } from "./config-schema.js";

export {
  LOG_LEVELS,
  type DaemonConfig,
  type KubernetesConfig,
  type LogLevel,
  type HotplugConfig,
  type ReconcileConfig,
  type TlsConfig,
} from "./config-schema.js";

/** Every key's default (clusterNetwork "" stands for "not set": validation requires it). */
export const DEFAULTS: DaemonConfig = v.parse(DAEMON_CONFIG_SCHEMA, {});

export interface StateLayout {
  /** The runtime's delegate result cache. */
  readonly cacheDir: string;
  /** Saved attachments: <attachmentsDir>/<containerId>.json. */
  readonly attachmentsDir: string;
  /** Delegates DEL could not release, kept for the reconciler: <orphansDir>/<containerId>.json. */
  readonly orphansDir: string;
  /** Where releases before 0.2 saved attachments (<stateDir>/attachments/attachments); migrated at start-up. */
  readonly legacyAttachmentsDir: string;
}

/** Where the runtime's result cache and the attachment stores live inside stateDir (the one source of these paths). */
export function stateLayout(config: Pick<DaemonConfig, "stateDir">): StateLayout {
  const attachmentsDir = `${config.stateDir}/attachments`;
  return {
    cacheDir: `${config.stateDir}/cache`,
    attachmentsDir,
    orphansDir: `${config.stateDir}/orphans`,
    legacyAttachmentsDir: `${attachmentsDir}/attachments`,
  };
}
