export { ConfigError } from "./config-error.js";
export {
  DEFAULTS,
  LOG_LEVELS,
  stateLayout,
  type DaemonConfig,
  type KubernetesConfig,
  type LogLevel,
  type ReconcileConfig,
  type StateLayout,
  type TlsConfig,
} from "./daemon-config.js";
export { DAEMON_CONFIG_SCHEMA } from "./config-schema.js";
export { knownKeys, type ConfigWarning } from "./config-keys.js";
export { loadConfig, type LoadConfigInput, type LoadedConfig } from "./load-config.js";
export { flagsHelp } from "./parse-flags.js";
export { readTlsFiles, type TlsMaterial } from "./tls-files.js";
