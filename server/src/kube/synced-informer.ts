// client-node's ListWatch with what a daemon needs around it: objects trimmed as they arrive
// (list and watch), bookmarks and a server-side watch timeout, a "synced" flag (listed and
// watching), and restarts with backoff (retry/backoff.ts) — ListWatch itself relists on 410
// Gone but gives up on any other error. A watch that ends cleanly before it delivered anything
// within a second counts as a failure too (as client-go's reflector does): a server or proxy that
// accepts and closes at once would otherwise be asked again in a tight loop. A watch that has not
// ended some time after the timeoutSeconds it asked for is given up as a failure: client-node's
// Watch has no deadline of its own (it drops its 30 s timeout signal), so a wedged server or proxy
// that never answers, or answers and then goes silent, left the informer "synced" on what it had.
// A 410 Gone at once (no object delivered) is relisted after a backoff pause, not at once: a
// server whose every watch answers 410, even from a list just made, was asked in a tight loop.
import {
  ADD,
  DELETE,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  ListWatch,
  UPDATE,
  Watch,
} from "@kubernetes/client-node";
import type { Logger } from "pino";
import { type BackoffPolicy, createBackoff } from "../retry/index.js";
import { describeApiFailure } from "./api-failure.js";

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
  /** Watches ended cleanly and resumed (server timeout), and restarts after losing the API server (metrics). */
  watchRestarts(): { readonly closed: number; readonly failed: number };
  /** Called for each object as the cache gains, changes or loses it (lists and watch events alike). */
  onChange(handler: (obj: T, change: "add" | "update" | "delete") => void): void;
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
  /** One page of the raw LIST; items are trimmed page by page, so only one page is ever held whole. */
  readonly list: (page: ListPage) => Promise<RawList>;
  readonly pageSize: number;
  readonly trim: (obj: unknown) => T;
  readonly log: Logger;
  /** Pause before a restart after a failure. */
  readonly backoff: BackoffPolicy;
  readonly watchTimeoutSeconds: number;
  /** Called each time the informer (re)gains sync: the API server answers again. */
  readonly onSync?: () => void;
}

/** A clean end sooner than this, with no event delivered, is treated as a failure. */
const SHORT_WATCH_MS = 1_000;

/** How long after it was asked a watch may run before it is given up: its timeoutSeconds and 10% (at least 1 s) more. */
export function watchDeadlineMs(timeoutSeconds: number): number {
  return timeoutSeconds * 1000 + Math.max(1000, timeoutSeconds * 100);
}

type FetchInit = Awaited<ReturnType<KubeConfig["applyToFetchOptions"]>>;

/**
 * What Watch needs of a KubeConfig, keeping the agent of each watch request: client-node makes
 * one agent per request, and destroying it is the one way to end a request that never answered.
 */
function agentTap(kc: KubeConfig): { readonly config: KubeConfig; agent(): FetchInit["agent"] } {
  let agent: FetchInit["agent"];
  const config = {
    getCurrentCluster: () => kc.getCurrentCluster(),
    async applyToFetchOptions(opts: Parameters<KubeConfig["applyToFetchOptions"]>[0]): Promise<FetchInit> {
      const init = await kc.applyToFetchOptions(opts);
      agent = init.agent;
      return init;
    },
  } as Pick<KubeConfig, "getCurrentCluster" | "applyToFetchOptions"> as KubeConfig;
  return { config, agent: () => agent };
}

export interface ListPage {
  readonly limit: number;
  /** The previous page's continue token; absent for the first page. */
  readonly continueToken?: string;
}

export interface RawList {
  readonly metadata?: { readonly resourceVersion?: string; readonly _continue?: string; readonly continue?: string };
  readonly items: readonly unknown[];
}

const OBJECT_EVENTS = new Set(["ADDED", "MODIFIED", "DELETED"]);

/** A watch answered with HTTP 410 (as ListWatch tells it). */
function isGone(err: unknown): boolean {
  const e = err as { statusCode?: unknown; code?: unknown } | null;
  return e?.statusCode === 410 || e?.code === 410;
}

/** A Watch that trims objects, asks for bookmarks, and reports when a stream is open or ended. */
class TrackingWatch extends Watch {
  private readonly tap: ReturnType<typeof agentTap>;

  constructor(
    kc: KubeConfig,
    private readonly hooks: {
      trim: (o: unknown) => unknown;
      timeoutSeconds: number;
      onOpen(): void;
      onEnd(err: unknown, healthy: boolean): void;
      /** The watch answered 410 Gone at once: the pause before the relist. */
      onGoneAtOnce(): number;
    },
  ) {
    const tap = agentTap(kc);
    super(tap.config);
    this.tap = tap;
  }

  override async watch(
    path: WatchArgs[0],
    params: WatchArgs[1],
    callback: WatchArgs[2],
    done: WatchArgs[3],
  ): Promise<AbortController> {
    let ended = false;
    let delivered = 0; // objects and bookmarks, not ERROR events
    let gone = false;
    let overdue = false;
    const opened: { controller?: AbortController } = {};
    const started = Date.now();
    const { timeoutSeconds } = this.hooks;
    const query = { ...params, allowWatchBookmarks: true, timeoutSeconds };
    const deadlineMs = watchDeadlineMs(timeoutSeconds);
    const deadline = setTimeout(() => {
      overdue = true;
      opened.controller?.abort(); // answered: ends the body
      (this.tap.agent() as { destroy?(): void } | undefined)?.destroy?.(); // not answered yet: ends the request
    }, deadlineMs);
    deadline.unref();
    const controller = await super.watch(
      path,
      query,
      (phase, obj, raw) => {
        if (phase !== "ERROR") delivered++;
        else if ((obj as { code?: unknown } | null)?.code === 410) gone = true;
        callback(phase, OBJECT_EVENTS.has(phase) ? this.hooks.trim(obj) : obj, raw);
      },
      (err) => {
        ended = true;
        clearTimeout(deadline);
        const lasted = Date.now() - started;
        const healthy = !overdue && (delivered > 0 || lasted >= SHORT_WATCH_MS);
        if (!overdue && !healthy && (gone || isGone(err))) {
          // ListWatch relists on a 410 (it forgot the resourceVersion on the ERROR event): not at once.
          setTimeout(() => done(err), this.hooks.onGoneAtOnce()).unref();
          return;
        }
        const end = overdue
          ? new Error(
              `watch not ended ${Math.round(deadlineMs / 1000)} s after it asked the API server to end it in ${timeoutSeconds} s (${delivered} events): given up`,
            )
          : (err ?? (healthy ? null : new Error(`very short watch: ended after ${lasted} ms without an event`)));
        this.hooks.onEnd(end, healthy);
        done(end);
      },
    );
    opened.controller = controller;
    if (!ended) this.hooks.onOpen();
    return controller;
  }
}

export function createSyncedInformer<T extends KubernetesObject>(opts: SyncedInformerOptions<T>): SyncedInformer<T> {
  const log = opts.log.child({ informer: opts.name });
  let synced = false;
  let epoch = 0;
  let stopped = true;
  let problem = "not started";
  const restarts = { closed: 0, failed: 0 };
  const backoff = createBackoff(opts.backoff);
  let timer: NodeJS.Timeout | undefined;

  const watch = new TrackingWatch(opts.kubeConfig, {
    trim: opts.trim,
    timeoutSeconds: opts.watchTimeoutSeconds,
    onOpen: () => {
      if (!synced) {
        log.info("informer synced");
        epoch++;
        opts.onSync?.();
      }
      synced = true;
    },
    onEnd: (err, healthy) => {
      if (healthy) backoff.reset(); // not on open: a server that accepts and closes at once must not reset it
      if (err)
        synced = false; // 410 relists; anything else is reported through "error"
      else if (!stopped) restarts.closed++;
    },
    onGoneAtOnce: () => {
      synced = false;
      problem = "the watch answered 410 Gone (resourceVersion too old) at once; relisting after a pause";
      restarts.failed++;
      const delay = backoff.next();
      log.warn({ retryInMs: delay }, "watch answered 410 Gone at once; relisting after a pause");
      return delay;
    },
  });
  // Paged like client-go's reflector: every page belongs to the first page's snapshot.
  const listFn = async (): Promise<KubernetesListObject<T>> => {
    const items: T[] = [];
    let resourceVersion: string | undefined;
    let continueToken: string | undefined;
    do {
      const page = await opts.list({ limit: opts.pageSize, ...(continueToken ? { continueToken } : {}) });
      resourceVersion ??= page.metadata?.resourceVersion;
      for (const o of page.items) items.push(opts.trim(o));
      continueToken = page.metadata?._continue || page.metadata?.continue || undefined;
    } while (continueToken);
    return { metadata: { resourceVersion }, items };
  };
  const lw = new ListWatch<T>(opts.path, watch, listFn, false, undefined, opts.fieldSelector);

  lw.on("error", (err: unknown) => {
    if (stopped) return; // stop() aborts the watch, which reports an AbortError
    synced = false;
    problem = describeApiFailure(err);
    restarts.failed++;
    const delay = backoff.next();
    log.warn({ err, retryInMs: delay }, "informer lost the API server; retrying");
    if (timer) clearTimeout(timer);
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
    watchRestarts: () => ({ ...restarts }),
    problem: () => (synced ? undefined : `informer ${opts.name}: ${problem}`),
    onChange(handler) {
      lw.on(ADD, (obj) => handler(obj, "add"));
      lw.on(UPDATE, (obj) => handler(obj, "update"));
      lw.on(DELETE, (obj) => handler(obj, "delete"));
    },
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
