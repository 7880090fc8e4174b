// The runtime's interface (libcni's CNI), its options and what it reports.
import type { InvokeOptions, PluginExec } from "../invoke/types.js";
import type { SweepFailure } from "../../atomic-file/index.js";
import type { Attachment, CniResult, GcArgs, NetworkConfigList, RuntimeConf, VersionInfo } from "../spec/types.js";

/** A plugin of a validated list: its binary and the CNI version it would be run at. */
export interface ValidatedPlugin {
  readonly type: string;
  readonly path: string;
  readonly version: string;
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
  /**
   * Every plugin's DEL (or IPAM release) succeeded, but the cached result could not be removed (a
   * read-only state disk): the entry stays, for CNI GC to DEL again (idempotent) and remove.
   */
  | { type: "cache-left"; network: string; containerId: string; ifName: string; path: string; error: Error }
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
   * and DEL runs without prevResult (or with opts.prevResult when given). Stops at the first
   * failing plugin (libcni), unless opts.keepGoing. The cache is removed only after every
   * plugin succeeded; failing to remove it is reported (cache-left), not a failed DEL (libcni too).
   */
  delNetworkList(list: NetworkConfigList, rt: RuntimeConf, opts?: InvokeOptions): Promise<void>;
  /**
   * No-op with disableGC. DELs every cached attachment of the list not in
   * validAttachments (undefined: all of them), in the namespace opts.pinStale gives, then for ≥ 1.1.0 sends GC to each plugin
   * run at ≥ 1.1.0. Goes on past errors; several errors become one CniError whose cause
   * is an AggregateError.
   */
  gcNetworkList(list: NetworkConfigList, args: GcArgs, opts?: GcOptions): Promise<void>;
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
   * and its unreadable records, best effort. Returns the paths removed, and those that could not be.
   */
  sweepCache(): Promise<CacheSweep>;
}

/** What a start-up sweep removed, and what it could not remove (each with its error: a read-only disk). */
export interface CacheSweep {
  readonly tempFiles: readonly string[];
  readonly corrupt: readonly string[];
  readonly failed: readonly SweepFailure[];
}

/** A cached attachment GC is about to DEL, as its ADD left it. */
export interface StaleAttachment extends Attachment {
  /** The netns path cached at ADD: it may name another namespace by now. */
  readonly netns: string;
  /** The cached final ADD result (the interfaces it made, their MACs). */
  readonly result: CniResult;
}

/** A namespace the caller checked and holds open; plugins get `handle`. */
export interface NetnsPin {
  readonly handle: string;
  /** Once the DEL's plugins are done. */
  release(): void;
}

export interface GcOptions extends InvokeOptions {
  /**
   * What a stale attachment's DEL enters: the caller pins the cached path when it still names that
   * attachment's namespace (never the node's own) and returns the pin; undefined runs the DEL with
   * an empty netns (gone: plugins release what they hold outside it, IPAM). Without it the cached
   * path goes to plugins as is (libcni).
   */
  readonly pinStale?: (stale: StaleAttachment, signal?: AbortSignal) => Promise<NetnsPin | undefined>;
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
