// client-node's ListWatch with what a daemon needs around it: objects trimmed as they arrive
// (list and watch), bookmarks and a server-side watch timeout, a "synced" flag (listed and
// watching), and restarts with backoff — ListWatch itself relists on 410 Gone but gives up
// on any other error.
import { type KubeConfig, type KubernetesListObject, type KubernetesObject, ListWatch, Watch } from "@kubernetes/client-node";
import type { Logger } from "pino";

type WatchArgs = Parameters<Watch["watch"]>;

export interface SyncedInformer<T extends KubernetesObject> {
  get(namespace: string, name: string): T | undefined;
  list(namespace?: string): readonly T[];
  /** Listed, and the watch is running (or reconnecting after a clean end). */
  synced(): boolean;
  /** Why not synced, when not. */
  problem(): string | undefined;
  /** Grows each time the informer (re)gains sync; equal values = no gap in between. */
  syncEpoch(): number;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface SyncedInformerOptions<T extends KubernetesObject> {
  /** For logs and readiness reasons, e.g. "pods on node-a". */
  readonly name: string;
  readonly kubeConfig: KubeConfig;
  /** Collection path, e.g. /api/v1/pods. */
  readonly path: string;
  readonly fieldSelector?: string;
  /** The raw LIST; its items are trimmed before they reach the cache. */
  readonly list: () => Promise<{ readonly metadata?: { readonly resourceVersion?: string }; readonly items: readonly unknown[] }>;
  readonly trim: (obj: unknown) => T;
  readonly log: Logger;
  readonly retryMinMs: number;
  readonly retryMaxMs: number;
  readonly watchTimeoutSeconds: number;
}

const OBJECT_EVENTS = new Set(["ADDED", "MODIFIED", "DELETED"]);

/** A Watch that trims objects, asks for bookmarks, and reports when a stream is open or ended. */
class TrackingWatch extends Watch {
  constructor(
    kc: KubeConfig,
    private readonly hooks: { trim: (o: unknown) => unknown; timeoutSeconds: number; onOpen(): void; onEnd(err: unknown): void },
  ) {
    super(kc);
  }

  override async watch(path: WatchArgs[0], params: WatchArgs[1], callback: WatchArgs[2], done: WatchArgs[3]): Promise<AbortController> {
    let ended = false;
    const query = { ...params, allowWatchBookmarks: true, timeoutSeconds: this.hooks.timeoutSeconds };
    const controller = await super.watch(
      path,
      query,
      (phase, obj, raw) => callback(phase, OBJECT_EVENTS.has(phase) ? this.hooks.trim(obj) : obj, raw),
      (err) => {
        ended = true;
        this.hooks.onEnd(err);
        done(err);
      },
    );
    if (!ended) this.hooks.onOpen();
    return controller;
  }
}

export function createSyncedInformer<T extends KubernetesObject>(opts: SyncedInformerOptions<T>): SyncedInformer<T> {
  const log = opts.log.child({ informer: opts.name });
  let synced = false;
  let epoch = 0;
  let stopped = true;
  let problem: string | undefined = "not started";
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;

  const watch = new TrackingWatch(opts.kubeConfig, {
    trim: opts.trim,
    timeoutSeconds: opts.watchTimeoutSeconds,
    onOpen: () => {
      if (!synced) {
        log.info("informer synced");
        epoch++;
      }
      synced = true;
      problem = undefined;
      failures = 0;
    },
    onEnd: (err) => {
      if (err) synced = false; // 410 relists; anything else is reported through "error"
    },
  });
  const listFn = async (): Promise<KubernetesListObject<T>> => {
    const list = await opts.list();
    return { metadata: { resourceVersion: list.metadata?.resourceVersion }, items: list.items.map((o) => opts.trim(o)) };
  };
  const lw = new ListWatch<T>(opts.path, watch, listFn, false, undefined, opts.fieldSelector);

  lw.on("error", (err: unknown) => {
    if (stopped) return; // stop() aborts the watch, which reports an AbortError
    synced = false;
    failures++;
    problem = `informer ${opts.name}: ${(err as Error)?.message ?? String(err)}`;
    const delay = Math.min(opts.retryMaxMs, opts.retryMinMs * 2 ** Math.min(failures - 1, 16));
    log.warn({ err, retryInMs: delay }, "informer lost the API server; retrying");
    timer = setTimeout(() => {
      timer = undefined;
      if (!stopped) void lw.start();
    }, delay);
  });

  return {
    get: (namespace, name) => lw.get(name, namespace),
    list: (namespace) => lw.list(namespace),
    synced: () => synced,
    syncEpoch: () => epoch,
    problem: () => (synced ? undefined : (problem ?? `informer ${opts.name} is not synced`)),
    async start() {
      stopped = false;
      problem = "starting";
      await lw.start();
    },
    async stop() {
      stopped = true;
      synced = false;
      problem = "stopped";
      if (timer) clearTimeout(timer);
      timer = undefined;
      await lw.stop();
    },
  };
}
