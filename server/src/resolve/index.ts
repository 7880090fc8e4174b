// Public surface of network selection. Code outside server/src/resolve imports this file.
export type * from "./types.js";
export {
  DEFAULT_NETWORK_ANNOTATION,
  NETWORKS_ANNOTATION,
  RESOURCE_NAME_ANNOTATION,
  SERIAL_NETWORKS_ANNOTATION,
} from "./annotations.js";
export { parseNetworkSelections, checkSelections } from "./parse-network-selections.js";
export { serialRequested } from "./serial-networks.js";
export { createConfDirSource } from "./conf-dir-source.js";
export { createDefinitionDirSource, type DefinitionDirOptions } from "./definition-dir-source.js";
export { createMemorySource } from "./memory-source.js";
export { createNetworkResolver, REQUEST_SELECTIONS, type NetworkResolverOptions } from "./network-resolver.js";
export { networkDisplayName } from "./network-display-name.js";
export { describeOrigin } from "./describe-origin.js";
// For attach/'s refusals of a hot-plugged selection: the one way a selection element is named.
export { describePlace } from "./selection-error.js";
// For the plan's check of plugin binaries and GC: the one rule that netattach never runs its own shim.
export { SHIM_TYPE, shimPlace, selfDelegationError } from "./self-delegation.js";
export { isDnsLabel, isDnsSubdomain } from "./name-checks.js";
// For the runtime's capability args (attach/capability-args.ts): the selection options' own checks.
export { readDns, SELECTION_CAPABILITIES, SELECTION_FIELDS } from "./selection-fields.js";
// For the preflight's sysfs look-up of a deviceID: only what passed this rule is joined to a path.
export { isDeviceId } from "./device-id.js";
export type { Fail } from "./selection-options.js";
// For reported interfaces (attach/attached-interface.ts): a MAC in the kernel's notation.
export { canonicalHardwareAddress } from "./address-checks.js";
// For netattachctl's JSON flags: the same port and bandwidth rules, checked before a message is built.
export { isPortNumber, PORT_NUMBER_RULE, isBandwidthValue, BANDWIDTH_VALUE_RULE } from "./selection-options.js";
// For netattachctl doctor: the same file readers the sources use.
export { parseConfFile, type ConfFile } from "./conf-file.js";
export { createDirReader } from "./dir-reader.js";
export { MANIFEST_EXTENSIONS } from "./definition-dir-source.js";
export { parseNadManifest } from "./nad-manifest.js";
export { loadConfPath } from "./load-conf-path.js";
// For the Kubernetes source (issue 5): the same NAD checks and spec.config/conf-dir rules.
export { nadRecordFromObject, NAD_API_VERSION, NAD_KIND, type NadRecord } from "./nad-object.js";
export { nadToDefinition, describeNad } from "./nad-to-definition.js";
export { CONF_DIR_FALLBACKS, type ConfDirFallback, type ConfDirFallbackRule } from "./conf-dir-fallback.js";
