// netattachd composed as main.ts does (kubernetes.mode kubeconfig) against a fresh API
// stand-in, with test-double plugins: the cluster network is a conf file ("cluster", by conf
// name) whose plugin can be held mid-ADD, and definitions run noop. Every plugin call is logged.
import { chmod, mkdir, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ErrorInfo, RichClientError } from "nice-grpc-error-details";
import type { DaemonConfig } from "../../../server/src/config/index.js";
import { createKubeEdge, type KubeTuning } from "../../../server/src/kube/index.js";
import { createPluginBin, NOOP_PLUGIN, type PluginBin } from "../../fixtures/plugins/plugin-bin.js";
import { startComposedDaemon, tempDir, type TestDaemon } from "../daemon.js";
import { createScratchNetnsPool } from "../scratch-netns.js";
import { type KubeStandIn, startKubeStandIn } from "./kube-stand-in.js";

export const DAEMON_NODE = "node-kube";

/** The google.rpc.ErrorInfo of a failed call (reason, metadata.cniCode), if it carries one. */
export function errorInfo(err: unknown): ErrorInfo | undefined {
  return err instanceof RichClientError
    ? err.extra.find((d): d is ErrorInfo => d.$type === ErrorInfo.$type)
    : undefined;
}

export interface PodRef {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

export interface KubeDaemonFixture {
  readonly standIn: KubeStandIn;
  readonly daemon: TestDaemon & { config: DaemonConfig };
  readonly dir: string;
  /** Parsed plugin calls: command, network name, interface. */
  pluginCalls(): Array<{ command: string; network: string; ifName: string }>;
  /** The next ADDs of the cluster network wait in the plugin until release(); `started` resolves when one is waiting. */
  hold(): { started: Promise<void>; release(): Promise<void> };
  /** The AttachNetworks containerd's shim sends (no annotations: the daemon asks its pod source). */
  attach(containerId: string, pod: PodRef): ReturnType<TestDaemon["client"]["api"]["attachNetworks"]>;
  detach(containerId: string): ReturnType<TestDaemon["client"]["api"]["detachNetworks"]>;
  /** grpc.health.v1 status of "" (1 SERVING, 2 NOT_SERVING), polled until it is `status`. */
  waitHealth(status: 1 | 2, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface KubeDaemonOptions {
  readonly statusFailurePolicy: "fail" | "ignore";
  /** Objects in the stand-in before the daemon starts; `noopNet(name)` is a definition config whose calls are logged. */
  readonly seed?: (s: KubeStandIn, noopNet: (name: string) => object) => void;
  /** kubernetes.events (default on). */
  readonly events?: boolean;
  /** Overrides of the edge's timeouts and windows (e.g. short Event series windows). */
  readonly tuning?: Partial<KubeTuning>;
}

export async function startKubeDaemon(opts: KubeDaemonOptions): Promise<KubeDaemonFixture> {
  const dir = await tempDir("na-kube-daemon-");
  const bin: PluginBin = createPluginBin();
  const log = join(dir, "plugins.log");
  const holdFile = join(dir, "hold");
  const startedFile = join(dir, "held");
  bin.noop("noop");
  // "held": noop, except that an ADD waits while the hold file exists.
  const held = join(bin.dir, "held");
  await writeFile(
    held,
    `#!/bin/sh\nif [ "$CNI_COMMAND" = ADD ] && [ -e ${holdFile} ]; then touch ${startedFile}; while [ -e ${holdFile} ]; do sleep 0.02; done; fi\nexec ${NOOP_PLUGIN}\n`,
  );
  await chmod(held, 0o755);
  await mkdir(join(dir, "net.d"));
  await writeFile(
    join(dir, "net.d", "10-cluster.conflist"),
    JSON.stringify({ cniVersion: "1.0.0", name: "cluster", plugins: [{ type: "held", debugFile: log }] }),
  );

  /** A namespace of its own for every container, as a runtime gives it. */
  const netns = createScratchNetnsPool();
  const standIn = await startKubeStandIn();
  opts.seed?.(standIn, (name) => ({ cniVersion: "1.0.0", name, plugins: [{ type: "noop", debugFile: log }] }));
  const kubeconfigPath = await standIn.writeKubeconfig(dir);
  let daemon: TestDaemon & { config: DaemonConfig };
  try {
    daemon = await startComposedDaemon(
      {
        clusterNetwork: "cluster",
        cniBinDirs: [bin.dir],
        cniConfDir: join(dir, "net.d"),
        kubernetes: {
          mode: "kubeconfig",
          kubeconfigPath,
          nodeName: DAEMON_NODE,
          namespaces: [],
          statusFailurePolicy: opts.statusFailurePolicy,
          events: opts.events ?? true,
        },
      },
      {
        dir,
        ...(opts.tuning
          ? {
              createKubeEdge: (config, log, deps) =>
                createKubeEdge({ ...config, tuning: { ...config.tuning, ...opts.tuning } }, log, deps),
            }
          : {}),
      },
    );
  } catch (err) {
    await standIn.close();
    await netns.close();
    bin.cleanup();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }

  const fx: KubeDaemonFixture = {
    standIn,
    daemon,
    dir,
    pluginCalls: () =>
      bin.log(log).map((l) => ({ command: l.command, network: String(l.stdin.name), ifName: l.env.CNI_IFNAME ?? "" })),
    hold() {
      void writeFile(holdFile, "");
      const started = (async () => {
        for (let i = 0; i < 1_000 && !existsSync(startedFile); i++) await new Promise((r) => setTimeout(r, 20));
        if (!existsSync(startedFile)) throw new Error("no ADD reached the held plugin");
      })();
      return { started, release: () => rm(holdFile, { force: true }) };
    },
    attach: async (containerId, pod) =>
      daemon.client.api.attachNetworks({
        containerId,
        netnsPath: await netns.path(containerId),
        pod,
        selections: [],
        primaryInterface: "eth0",
        cniArgs: [],
        cniVersion: "1.0.0",
      }),
    detach: (containerId) => daemon.client.api.detachNetworks({ containerId }),
    async waitHealth(status, timeoutMs = 20_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const now = (await daemon.client.health.check({ service: "" })).status;
        if (now === status) return;
        if (Date.now() > until) throw new Error(`health stayed ${now}, wanted ${status}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async close() {
      await daemon.stop();
      await standIn.close();
      await netns.close();
      bin.cleanup();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return fx;
}
