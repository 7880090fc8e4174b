// The spec's shapes: configs, runtime parameters and results as plugins see them. Raw JSON is
// what plugins receive; these views are read-only so unknown keys survive untouched.

/** Any JSON object as parsed from a config or result. */
export type JsonObject = { readonly [key: string]: unknown };

/** One plugin entry of a conflist: the raw object (must have `type`). */
export type PluginConf = JsonObject & { readonly type: string };

/**
 * A parsed network configuration list. A single-plugin `.conf` is turned into a list
 * with one plugin, so every operation has one execution path.
 */
export interface NetworkConfigList {
  readonly name: string;
  /** The version selected by the spec rules (max of cniVersion ∪ cniVersions, capped at 1.1.0). */
  readonly cniVersion: string;
  readonly disableCheck: boolean;
  readonly disableGC: boolean;
  /** When true, plugin confs from `<confdir>/<name>/*.conf` are not appended (libcni 1.3). */
  readonly loadOnlyInlinedPlugins?: boolean;
  readonly plugins: readonly PluginConf[];
  /** The whole raw list as loaded (for caching/saving losslessly). */
  readonly raw: JsonObject;
  /** File the list was loaded from, if any (used in error messages). */
  readonly source?: string;
}

/** Per-attachment parameters (libcni RuntimeConf). */
export interface RuntimeConf {
  readonly containerId: string;
  /** May be "" on DEL when the netns is already gone. */
  readonly netns: string;
  /**
   * What plugins get as CNI_NETNS instead of `netns`: a path the runtime's caller pinned to the
   * namespace `netns` named when it was checked (/proc/<pid>/fd/<n>), so a path re-pointed since
   * cannot redirect them. Results and the cache still show `netns` as the interfaces' sandbox.
   */
  readonly netnsHandle?: string;
  readonly ifName: string;
  /** CNI_ARGS pairs; IgnoreUnknown=1 is added by the runtime. */
  readonly args?: ReadonlyArray<readonly [string, string]>;
  /** Capability args (portMappings, bandwidth, ips, mac, ...); keys matched case-insensitively against capabilities. */
  readonly capabilityArgs?: JsonObject;
}

export interface Attachment {
  readonly containerId: string;
  readonly ifName: string;
}

/** A CNI result, as a raw JSON object carrying its own `cniVersion`. */
export type CniResult = JsonObject & { readonly cniVersion: string };

export interface VersionInfo {
  readonly cniVersion: string;
  readonly supportedVersions: readonly string[];
}

export interface GcArgs {
  readonly validAttachments?: readonly Attachment[];
}
