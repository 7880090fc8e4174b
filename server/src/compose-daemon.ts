// Composition root shared by main.ts and the tests: DaemonConfig + logger → a Daemon wired
// to the real CNI runtime, the file/Kubernetes network sources and the attachment service,
// whose events go to the event stream, the metrics and (with a cluster) Kubernetes Events.
import { readFile, realpath } from "node:fs/promises";
import type { Logger } from "pino";
import {
  createAttachmentService,
  createFileAttachmentStore,
  createPluginFinder,
  createSysfsNodeLinks,
  createProcHostSockets,
  timeoutSignal,
  trackInFlightCalls,
  type AttachmentService,
  type NetworkStatusWriter,
  type NodeLinks,
} from "./attach/index.js";
import {
  commandRunner,
  spawnerLinkLister,
  createCniRuntime,
  createSpawnExec,
  describeIoError,
  findSpawner,
  type ClosablePluginExec,
  DEFAULT_PLUGIN_PATH,
  findSetpriv,
  type PluginExec,
  type RuntimeEvent,
} from "./cni/index.js";
import type { EventSink } from "./events/attachment-event.js";
import { createPodLinks } from "./netns/pod-links.js";
import { createCriSandboxes } from "./reconcile/cri-sandboxes.js";
import { createReconciler } from "./reconcile/reconciler.js";
import { createRuntimeTruth } from "./reconcile/runtime-truth.js";
import { lockStateDir } from "./reconcile/state-dir-lock.js";
import { startupCleanup } from "./reconcile/startup-cleanup.js";
import { readTlsFiles, stateLayout, type DaemonConfig, type TlsMaterial } from "./config/index.js";
import { createDaemon, type Daemon, type Lifecycle } from "./daemon.js";
import { createEventBus } from "./events/event-bus.js";
import { createAnnotationHotplug } from "./hotplug/annotation-hotplug.js";
import { fanOut } from "./events/fan-out.js";
import { createClusterNetworkTracker } from "./health/cluster-network.js";
import { stateDirProblem } from "./health/state-dir-problem.js";
import { stateDirMountWarning } from "./health/state-dir-mount.js";
import type { CreateKubeEdge, KubeEdge, KubeEdgeConfig, KubeEdgeDeps } from "./kube/index.js";
import { createMetrics } from "./metrics/index.js";
import { createRouteEditor } from "./netns/route-editor.js";
import { createNetnsGuard } from "./netns/netns-guard.js";
import {
  createDirReader,
  createConfDirSource,
  createDefinitionDirSource,
  createNetworkResolver,
  type NetworkSource,
  type PodSource,
} from "./resolve/index.js";

export interface ComposeOptions {
  readonly config: DaemonConfig;
  /** What loading the config warned about (keys it ignored); GetStatus reports them for as long as this runs. */
  readonly configWarnings?: readonly string[];
  readonly log: Logger;
  readonly descriptorSet: Uint8Array;
  /** PATH handed to plugins. */
  readonly pluginPath?: string;
  /** Seams for tests. */
  readonly exec?: PluginExec;
  readonly createKubeEdge?: CreateKubeEdge;
  /** The node's links for the preflight checks; /sys/class/net when absent. */
  readonly nodeLinks?: NodeLinks;
  /** Where lifecycle events go (the event stream, metrics); none when absent. */
  readonly events?: EventSink;
}

const NO_CLUSTER_PODS: PodSource = { getPod: async () => ({ reason: "no-cluster" }), ready: () => true };
const NO_STATUS_WRITES: NetworkStatusWriter = { write: async () => undefined };
/** How long start-up may spend rolling back unfinished ADDs and hot-plugs; what is left is the runtime's DEL's. */
const UNFINISHED_ADDS_BUDGET_MS = 30_000;

export async function composeDaemon(opts: ComposeOptions): Promise<Daemon> {
  const { config, log } = opts;
  const layout = stateLayout(config);
  const mountWarning = stateDirMountWarning(
    config.stateDir,
    await readFile("/proc/self/mountinfo", "utf8").catch(() => ""),
    await realpath(config.stateDir).catch(() => config.stateDir), // not made yet: as configured
  );
  if (mountWarning !== undefined) log.warn({ stateDir: config.stateDir }, mountWarning);
  const warnings = [...(opts.configWarnings ?? []), ...(mountWarning !== undefined ? [mountWarning] : [])];
  // Plugins die with the daemon (parent-death signal) and carry its state dir as owner mark, so the
  // next start finds whatever outlived it (startupCleanup).
  const spawnExec =
    opts.exec === undefined ? await pluginExec(config.pluginSpawner, config.stateDir, log, opts.pluginPath) : undefined;
  const exec = opts.exec ?? spawnExec!;
  // ip in a pod's netns (its links, its default routes) started as the plugins are: by the spawner,
  // which enters the netns itself.
  const run = spawnExec !== undefined ? commandRunner(spawnExec, commandSearchPath(opts.pluginPath)) : undefined;
  const store = createFileAttachmentStore(layout.attachmentsDir);
  const maxFileBytes = config.limits.maxDefinitionFileBytes;
  const confDir = createConfDirSource(config.cniConfDir, { maxFileBytes });
  const confDirFallback = { rule: config.confDirFallback, defaultNamespace: config.defaultNamespace };
  const kube =
    config.kubernetes.mode === "none"
      ? undefined
      : await kubeEdge(config, log, opts.createKubeEdge, { confDirSource: confDir, confDirFallback });
  const metrics = createMetrics({ store, informers: () => kube?.informerStats() ?? [] });
  const runtime = createCniRuntime({
    exec,
    binDirs: config.cniBinDirs,
    cacheDir: layout.cacheDir,
    pluginTimeoutMs: config.pluginTimeoutMs,
    ...(opts.pluginPath !== undefined ? { path: opts.pluginPath } : {}),
    onEvent: (e: RuntimeEvent) => {
      logRuntimeEvent(log, e);
      metrics.onRuntimeEvent(e);
    },
  });
  const bus = createEventBus(config.events);
  const definitions: NetworkSource[] = [
    ...(kube ? [kube.networkSource] : []),
    ...(config.definitionsDir
      ? [
          createDefinitionDirSource({
            dir: config.definitionsDir,
            confDir,
            maxDepth: config.limits.maxJsonDepth,
            maxFileBytes,
            confDirFallback,
          }),
        ]
      : []),
  ];
  if (config.definitionsDir) await warnIfUnlistable(config.definitionsDir, log);
  const resolver = createNetworkResolver({ sources: { definitions, confDir }, config });
  const cluster = createClusterNetworkTracker(resolver);
  const netns = createNetnsGuard();
  const rc = config.reconcile;
  const cri = rc.runtimeSocket !== "" ? createCriSandboxes(rc.runtimeSocket) : undefined;
  const events = fanOut([
    bus,
    metrics.events,
    ...(kube?.podEvents ? [kube.podEvents] : []),
    ...(opts.events ? [opts.events] : []),
  ]);
  const domain = createAttachmentService({
    runtime,
    resolver,
    podSource: kube?.podSource ?? NO_CLUSTER_PODS,
    statusWriter: kube?.statusWriter ?? NO_STATUS_WRITES,
    store,
    orphans: createFileAttachmentStore(layout.orphansDir),
    links: createPodLinks(run, spawnExec !== undefined ? spawnerLinkLister(spawnExec) : undefined),
    truth: createRuntimeTruth({
      netns,
      ...(cri !== undefined ? { cri } : {}),
      ...(kube !== undefined ? { pods: kube.podSource } : {}),
      log,
    }),
    gracePeriodMs: rc.gracePeriodMs,
    gcTimeoutMs: rc.gcTimeoutMs,
    routes: createRouteEditor(run),
    netns,
    inputLimits: config.limits,
    selectionConfig: config,
    findPlugin: createPluginFinder(exec, config.cniBinDirs),
    preflight: {
      nodeLinks: opts.nodeLinks ?? createSysfsNodeLinks(undefined, run !== undefined ? { run } : {}),
      hostSockets: createProcHostSockets(),
      attachments: store,
      validateList: (list, o) => runtime.validateNetworkList(list, o),
      defaultRoutes: config.defaultRouteConflicts,
    },
    limits: { maxConcurrent: config.maxConcurrent, callTimeoutMs: config.callTimeoutMs },
    parallelSecondaries: config.parallelSecondaries,
    clusterNetwork: () => cluster.current(),
    notReadyReasons: () => [
      ...(kube?.notReadyReasons() ?? []),
      ...[cluster.problem()].filter((p): p is string => p !== undefined),
    ],
    events,
    onWait: metrics.onWait,
  });
  // STATUS needs the cluster network's current config: resolve it first. A state dir ADDs cannot
  // save in is a reason too (readiness, the ADD gate and the Status RPC all read this). The config's
  // warnings and a stateDir in the container's own root are said at start-up and kept here, so status
  // and doctor show them after the log is gone.
  const service: AttachmentService = metrics.instrument({
    ...domain,
    status: async (ctx) => {
      const [stateDir] = await Promise.all([stateDirProblem(config.stateDir), cluster.refresh(ctx.signal)]);
      const status = { ...(await domain.status(ctx)), warnings };
      return stateDir === undefined ? status : { ...status, ready: false, reasons: [stateDir, ...status.reasons] };
    },
  });
  const reconciler = createReconciler({
    gc: (req, ctx) => domain.gc(req, ctx),
    startup: async () => {
      await startupCleanup({ layout, runtime, pluginOwner: config.stateDir, log });
      // After the cleanup: no plugin the dead daemon started still runs.
      // Carrying its instant: the rollback's plugin runs are budgeted by it (release-delegates.ts).
      await domain.rollBackUnfinished({ signal: timeoutSignal(UNFINISHED_ADDS_BUDGET_MS), log });
    },
    enabled: rc.enabled,
    intervalMs: rc.intervalMs,
    log,
    ...(cri !== undefined ? { onStop: () => cri.close() } : {}),
  });
  // The daemon's stop waits for and cancels every call of the service, the annotation watcher's
  // hot-plugs as well as the RPCs: one tracker for both.
  const calls = trackInFlightCalls(service);
  const hotplug =
    kube !== undefined && config.hotplug.annotations
      ? annotationHotplug(kube, calls.service, events, config, log)
      : undefined;
  // The reconciler before the others: its start-up cleanup runs before anything else touches the state.
  // The spawner first, so it stops last: nothing else runs a plugin after it is gone.
  const lifecycles: Lifecycle[] = [
    ...(spawnExec ? [{ name: "plugin spawner", start: async () => undefined, stop: () => spawnExec.close() }] : []),
    reconciler,
    ...(kube ? [{ name: "kubernetes informers", start: () => kube.start(), stop: () => kube.stop() }] : []),
    ...(hotplug ? [hotplug] : []),
  ];
  return createDaemon({
    socketPath: config.socketPath,
    ...(config.tcpListen !== undefined ? { tcpListen: config.tcpListen } : {}),
    ...(config.tls !== undefined ? { tls: await readTls(config.tls, log) } : {}),
    limits: config.limits,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    shutdownRollbackMs: config.shutdownRollbackMs,
    calls,
    log,
    descriptorSet: opts.descriptorSet,
    lock: () => lockStateDir(config.stateDir, config.socketPath),
    lifecycles,
    events: bus,
    ...(config.metricsListen !== "" ? { http: { address: config.metricsListen, scrape: metrics.scrape } } : {}),
  });
}

/** The annotation watcher on the pod informer, stopped (in-flight changes cancelled) with the daemon. */
function annotationHotplug(
  kube: KubeEdge,
  service: AttachmentService,
  events: EventSink,
  config: DaemonConfig,
  log: Logger,
): Lifecycle {
  const watcher = createAnnotationHotplug({ service, events, log, limits: config.limits });
  kube.onPodChange((pod, change) => watcher.observe(pod, change));
  return { name: "annotation hot-plug", start: async () => undefined, stop: () => watcher.stop() };
}

/**
 * Not fatal (a definitions dir may be filled later, lookups read it afresh and name it when it
 * fails), but a typo in the key should not pass unnoticed: said once at start-up.
 */
async function warnIfUnlistable(dir: string, log: Logger): Promise<void> {
  const { dirProblem } = await createDirReader(dir, [], () => undefined).read();
  if (dirProblem !== undefined)
    log.warn(
      { definitionsDir: dir },
      `definitionsDir ${dir} ${dirProblem}: no network definitions from it until it can be listed`,
    );
}

async function readTls(tls: NonNullable<DaemonConfig["tls"]>, log: Logger): Promise<TlsMaterial> {
  const { material, warnings } = await readTlsFiles(tls, new Date());
  for (const w of warnings) log.warn({ tls }, w);
  return material;
}

async function kubeEdge(
  config: DaemonConfig,
  log: Logger,
  create: CreateKubeEdge | undefined,
  conf: Required<KubeEdgeDeps> & Pick<KubeEdgeConfig, "confDirFallback">,
): Promise<KubeEdge> {
  const k = config.kubernetes;
  // Loaded only with a cluster: @kubernetes/client-node is heavy.
  const factory: CreateKubeEdge = create ?? (await import("./kube/index.js")).createKubeEdge;
  return factory(
    {
      mode: k.mode as "kubeconfig" | "in-cluster",
      ...(k.kubeconfigPath !== undefined ? { kubeconfigPath: k.kubeconfigPath } : {}),
      nodeName: k.nodeName ?? "",
      namespaces: k.namespaces,
      statusFailurePolicy: k.statusFailurePolicy,
      events: k.events ?? true,
      confDir: config.cniConfDir,
      confDirFallback: conf.confDirFallback,
      maxNetworkConfigBytes: config.limits.maxNetworkConfigBytes,
    },
    log.child({ component: "kube" }),
    { confDirSource: conf.confDirSource },
  );
}

/**
 * How plugins are started: by netattach-spawner (vfork, parent-death signal) when it is there and
 * config pluginSpawner allows; else by forking the daemon through util-linux setpriv (parent-death
 * signal); else directly.
 * Each fallback is logged with what it costs.
 */
async function pluginExec(
  useSpawner: boolean,
  owner: string,
  log: Logger,
  pluginPath: string | undefined,
): Promise<ClosablePluginExec> {
  if (useSpawner) {
    const spawner = await findSpawner();
    if (spawner.ok) return createSpawnExec({ owner, spawnerPath: spawner.path });
    log.warn(
      { reason: spawner.why },
      "plugins are started by forking netattachd (~5 ms of its CPU per plugin) instead of by netattach-spawner",
    );
  }
  const setprivPath = await setprivFor(log, pluginPath);
  return createSpawnExec({ owner, ...(setprivPath !== undefined ? { setprivPath } : {}) });
}

/** The absolute dirs of `path`, then `system`'s, each once. */
function searchDirs(path: string, system: readonly string[]): string[] {
  return [...new Set([...path.split(":"), ...system].filter((d) => d.startsWith("/")))];
}

/** Where netattachd's own commands are looked up: the daemon's PATH, then the usual system dirs (ip lives in sbin). */
function commandSearchPath(pluginPath: string | undefined): string {
  return searchDirs(pluginPath ?? "", ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]).join(":");
}

/** util-linux setpriv, for the plugins' parent-death signal; without a working one plugins start directly (logged). */
async function setprivFor(log: Logger, pluginPath: string | undefined): Promise<string | undefined> {
  const found = await findSetpriv(searchDirs(pluginPath ?? DEFAULT_PLUGIN_PATH, ["/usr/bin", "/bin"]));
  if (found.ok) return found.path;
  log.warn(
    { reason: found.why },
    "plugins are started without a parent-death signal: they are not killed when netattachd dies (leftovers are killed at the next start)",
  );
  return undefined;
}

function logRuntimeEvent(log: Logger, e: RuntimeEvent): void {
  const { type, ...fields } = e;
  switch (type) {
    case "exec":
      log[e.ok ? "debug" : "warn"](fields, "plugin exec");
      return;
    case "cache-corrupt":
      log.warn(fields, "corrupt result cache entry ignored");
      return;
    case "cache-left": {
      const { error, path, ...where } = fields as Omit<typeof e, "type">;
      log.warn(
        { ...where, file: path, errno: (error as NodeJS.ErrnoException).code, err: error },
        `the plugins' DEL succeeded but the result cache entry could not be removed (${describeIoError(error)}); left for CNI GC`,
      );
      return;
    }
    case "version-probe-failed":
      log.warn({ ...fields, err: e.error }, "plugin VERSION failed; running it at the list's version");
      return;
    case "plugin-skipped":
      log.debug(fields, "plugin skipped: its version lacks the command");
      return;
  }
}
