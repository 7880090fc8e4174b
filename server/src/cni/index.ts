// Curated public surface of the CNI runtime. Code outside server/src/cni imports only this file.
export * from "./spec/errors.js";
export type * from "./spec/types.js";
export type * from "./invoke/types.js";
export type * from "./runtime/types.js";

// Spec helpers: versions, identifiers, CNI_ARGS, capability args.
export {
  ALL_VERSIONS,
  CURRENT_VERSION,
  compareVersions,
  isKnownVersion,
  isSemver,
  negotiatePluginVersion,
  selectConfigVersion,
  sendsPrevResultOnDel,
  supportsChaining,
  supportsCheck,
  supportsGcAndStatus,
} from "./spec/version.js";
export {
  containerIdProblem,
  interfaceNameProblem,
  MAX_CONTAINER_ID_LENGTH,
  MAX_INTERFACE_NAME_LENGTH,
  validateContainerId,
  validateInterfaceName,
  validateNetworkName,
} from "./spec/validate.js";
export { cniArgPairProblem, formatCniArgs, parseCniArgs } from "./spec/cni-args.js";
export { jsonTextDepth, jsonValueDepth } from "./spec/json-depth.js";
export { isJsonObject } from "./spec/json-object.js";
export { filterCapabilityArgs, normaliseCapabilityArg } from "./spec/capability-args.js";

// Results of every spec version.
export {
  convertResult,
  parseResult,
  toResult100,
  type DNS100,
  type Interface100,
  type IPConfig100,
  type Result100,
  type Route100,
} from "./result/index.js";

// Addresses: the one family rule (IPv4-mapped IPv6 is IPv4, as Go's net.IP takes it).
export { ipFamily, ipText, ipValue, prefixValue, writtenIpValue, type IpFamily } from "./result/ip.js";

// Configuration.
export { parseNetworkConfigList } from "./conf/parse-network-config-list.js";
export { CONF_EXTENSIONS, listConfFiles } from "./conf/conf-files.js";
export { loadNetworkConfigFile, loadNetworkConfigList } from "./conf/load-network-config.js";
export {
  buildGcConfig,
  buildPluginConfig,
  type GcConfigInput,
  type PluginConfigInput,
} from "./conf/build-plugin-config.js";

// Exec seam.
export { createSpawnExec, type ClosablePluginExec, type SpawnExecOptions } from "./invoke/spawn-exec.js";
export {
  commandRunner,
  nsenterArgs,
  spawnerLinkLister,
  type CommandRunner,
  type LinkLister,
} from "./invoke/command-runner.js";
export { CHECKOUT_SPAWNER, findSpawner, type SpawnerLookup } from "./invoke/spawner/find-spawner.js";
export { killLeftoverPlugins, PLUGIN_OWNER_ENV, type LeftoverProcess } from "./invoke/leftover-plugins.js";
export { isShimRefusal, PLUGIN_RUN_ENV, SHIM_AS_DELEGATE_CODE } from "./spec/plugin-run-mark.js";
export { findSetpriv, type SetprivLookup } from "./invoke/find-setpriv.js";
export { findInPath } from "./invoke/find-in-path.js";
export { buildCniEnv, DEFAULT_PLUGIN_PATH, type CniEnvInput } from "./invoke/cni-env.js";

// Runtime.
export { createCniRuntime } from "./runtime/cni-runtime.js";
export { ipamTypeOf } from "./runtime/release-network-list.js";
export { addNetworkListWithRollback, type RollbackOutcome } from "./runtime/add-with-rollback.js";
export {
  createResultCache,
  CACHE_RECORD_KIND,
  type CacheLookup,
  type CacheRecord,
  type ResultCache,
} from "./runtime/result-cache.js";
export { decodeVersionInfo } from "./runtime/version-probe.js";
export { describeIoError } from "./runtime/io-error.js";
