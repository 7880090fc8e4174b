// Public shapes of the CNI runtime. Raw JSON is what plugins receive; these views are
// read-only so unknown keys survive untouched.

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

/** Options every operation takes. */
export interface InvokeOptions {
  /** Aborts the operation and kills any running plugin. */
  readonly signal?: AbortSignal;
  /** Per-plugin-invocation deadline; overrides the runtime default. */
  readonly pluginTimeoutMs?: number;
  /**
   * ADD: fsync the cached result before returning (default true). False when the caller
   * saves the result durably itself right away: the cache is still replaced atomically, but
   * a power loss may lose it (DEL then takes `prevResult` below, or runs without one).
   */
  readonly durableCache?: boolean;
  /** DEL: the final ADD result (in the list's version or convertible to it) to send as prevResult when the cache holds none. */
  readonly prevResult?: CniResult;
}

/** A CNI result, as a raw JSON object carrying its own `cniVersion`. */
export type CniResult = JsonObject & { readonly cniVersion: string };

export interface VersionInfo {
  readonly cniVersion: string;
  readonly supportedVersions: readonly string[];
}

/** A plugin of a validated list: its binary and the CNI version it would be run at. */
export interface ValidatedPlugin {
  readonly type: string;
  readonly path: string;
  readonly version: string;
}

/** The one exec seam (libcni invoke.Exec). Unit tests use a fake. */
export interface PluginExec {
  /**
   * Run the plugin binary at `path` with `stdin` and `env`; resolve with stdout bytes on
   * exit 0; reject with CniError (kind plugin-failed/timeout/aborted/exec/bad-output).
   */
  exec(req: ExecRequest): Promise<Buffer>;
  /** Locate `type` in `dirs`; reject with CniError kind plugin-not-found / plugin-type-invalid. */
  findInPath(type: string, dirs: readonly string[]): Promise<string>;
}

export interface ExecRequest {
  readonly path: string;
  readonly stdin: Buffer;
  readonly env: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** For error messages. */
  readonly pluginType: string;
  readonly command: string;
  /** Called once with the plugin's (bounded) stderr when the run ends, success or not. */
  readonly onStderr?: (stderr: string) => void;
}

export interface GcArgs {
  readonly validAttachments?: readonly Attachment[];
}

/** Observations the runtime reports (the caller logs them; the runtime never logs). */
export type RuntimeEvent =
  | {
      type: "exec";
      command: string;
      plugin: string;
      network: string;
      ifName?: string;
      containerId?: string;
      /** The version the plugin was run at (may be below the list's, see negotiation). */
      cniVersion?: string;
      durationMs: number;
      ok: boolean;
      stderr?: string;
    }
  | { type: "cache-corrupt"; network: string; containerId: string; ifName: string; path: string; reason?: string }
  /** VERSION failed or made no sense: the plugin is run at the list's version (like libcni). */
  | { type: "version-probe-failed"; plugin: string; network: string; path: string; error: Error }
  /** A plugin's negotiated version lacks the command (CHECK < 0.4.0, GC/STATUS < 1.1.0). */
  | { type: "plugin-skipped"; command: string; plugin: string; network: string; cniVersion: string; reason: string };

/**
 * libcni's CNI interface. It serialises nothing: callers must not run two operations for
 * one container at once, nor GC next to ADD/DEL (spec §3). Every failure is a CniError.
 */
export interface CniRuntime {
  /**
   * Plugins in order, halting at the first error. No rollback here: the spec wants a DEL
   * after a failed ADD, and the caller decides when (see addNetworkListWithRollback).
   * Every plugin is found and version-negotiated before the first one runs. The final
   * result, in the list's version, is cached before it is returned.
   */
  addNetworkList(list: NetworkConfigList, rt: RuntimeConf, opts?: InvokeOptions): Promise<CniResult>;
  /**
   * Forward order with the cached ADD result as prevResult. < 0.4.0: kind
   * "incompatible-version", code 1. disableCheck: no-op. No cached ADD: kind
   * "invalid-args", code 3 (container unknown); corrupt cache: kind "cache", code 3.
   */
  checkNetworkList(list: NetworkConfigList, rt: RuntimeConf, opts?: InvokeOptions): Promise<void>;
  /**
   * Reverse order, cached ADD result as prevResult (≥ 0.4.0). Idempotent; tolerates an
   * empty netns and a missing cache; a corrupt cache is reported (cache-corrupt), removed,
   * and DEL runs without prevResult (or with opts.prevResult when given). The cache is
   * removed only after every plugin succeeded.
   */
  delNetworkList(list: NetworkConfigList, rt: RuntimeConf, opts?: InvokeOptions): Promise<void>;
  /**
   * No-op with disableGC. DELs every cached attachment of the list not in
   * validAttachments (undefined: all of them), then for ≥ 1.1.0 sends GC to each plugin
   * run at ≥ 1.1.0. Goes on past errors; several errors become one CniError whose cause
   * is an AggregateError.
   */
  gcNetworkList(list: NetworkConfigList, args: GcArgs, opts?: InvokeOptions): Promise<void>;
  /** ≥ 1.1.0 only; plugins in order, first error returned with its code (50/51 kept). */
  getStatusNetworkList(list: NetworkConfigList, opts?: InvokeOptions): Promise<void>;
  /**
   * libcni ValidateNetworkList: finds every plugin of the list and its IPAM plugin and
   * negotiates the version each would run at, executing only VERSION. Missing binary:
   * kind "plugin-not-found"; no compatible version: kind "incompatible-version", code 1.
   */
  validateNetworkList(list: NetworkConfigList, opts?: InvokeOptions): Promise<ValidatedPlugin[]>;
  /** VERSION of the plugin binary (cached while the file is unchanged). */
  getVersionInfo(pluginType: string, opts?: InvokeOptions): Promise<VersionInfo>;
  /** The cached final ADD result converted to the list's version; undefined when missing. */
  getCachedResult(list: NetworkConfigList, rt: RuntimeConf): Promise<CniResult | undefined>;
  /** Attachments cached for this network (used by GC). */
  getCachedAttachments(networkName: string): Promise<Attachment[]>;
  /** Every network with a cached attachment, as a config list cached with one of its attachments; unreadable ones skipped. */
  getCachedNetworks(): Promise<NetworkConfigList[]>;
  /**
   * What a failed DEL leaves that the runtime can still release: for each plugin naming an IPAM
   * plugin (reverse order), that IPAM plugin's DEL with the plugin's config; then the cached
   * result is removed. Goes on past errors (one error, or one CniError for several); the cache
   * stays when any failed.
   */
  releaseNetworkList(list: NetworkConfigList, rt: RuntimeConf, opts?: InvokeOptions): Promise<void>;
  /**
   * Start-up only (no ADD may run): removes the cache's temp files (writes that never finished)
   * and its unreadable records. Returns their paths.
   */
  sweepCache(): Promise<{ readonly tempFiles: readonly string[]; readonly corrupt: readonly string[] }>;
}

export interface CniRuntimeOptions {
  readonly exec: PluginExec;
  readonly binDirs: readonly string[];
  /** Delegate result cache dir (kept apart from the container runtime's /var/lib/cni). */
  readonly cacheDir: string;
  /** Default per-invocation deadline. */
  readonly pluginTimeoutMs: number;
  /** PATH handed to plugins (many exec helpers such as iptables). */
  readonly path?: string;
  readonly onEvent?: (event: RuntimeEvent) => void;
  /**
   * Ask each plugin binary for VERSION (once per file version) and run it at the highest
   * version it supports ≤ the list's, in the same major. Default true. False: libcni
   * behaviour, every plugin runs at the list's version.
   */
  readonly negotiateVersions?: boolean;
  /** Monotonic clock in ms for exec durations. Default performance.now. */
  readonly now?: () => number;
}
