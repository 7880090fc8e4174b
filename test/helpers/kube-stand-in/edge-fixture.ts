// A kube edge wired to a fresh stand-in through a generated kubeconfig, with its own temp
// conf dir. Tests get both ends and clean up with close().
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { createKubeEdge, type KubeEdge, type KubeEdgeConfig, type KubeTuning } from "../../../server/src/kube/index.js";
import { type KubeStandIn, type KubeStandInOptions, startKubeStandIn } from "./kube-stand-in.js";

export const NODE = "node-a";

/** Short timeouts and backoffs so failure paths finish quickly in tests. */
export const FAST_TUNING: Partial<KubeTuning> = {
  requestTimeoutMs: 1_000,
  retryBackoffMs: 20,
  backoffMinMs: 50,
  backoffMaxMs: 200,
};

export interface EdgeFixture {
  readonly standIn: KubeStandIn;
  readonly edge: KubeEdge;
  readonly dir: string;
  readonly confDir: string;
  readonly kubeconfig: string;
  writeConf(file: string, conf: object): Promise<void>;
  close(): Promise<void>;
}

export interface EdgeFixtureOptions {
  readonly config?: Partial<KubeEdgeConfig>;
  readonly standIn?: KubeStandInOptions;
  /** Set up stand-in objects before the edge starts. */
  readonly seed?: (s: KubeStandIn) => void | Promise<void>;
  readonly start?: boolean;
}

export async function startEdgeFixture(opts: EdgeFixtureOptions = {}): Promise<EdgeFixture> {
  const dir = await mkdtemp(join(tmpdir(), "kube-edge-"));
  const confDir = join(dir, "net.d");
  await mkdir(confDir);
  const standIn = await startKubeStandIn(opts.standIn);
  await opts.seed?.(standIn);
  const kubeconfig = await standIn.writeKubeconfig(dir);
  const edge = createKubeEdge(
    {
      mode: "kubeconfig",
      kubeconfigPath: kubeconfig,
      nodeName: NODE,
      namespaces: [],
      statusFailurePolicy: "fail",
      confDir,
      ...opts.config,
      tuning: { ...FAST_TUNING, ...opts.config?.tuning },
    },
    pino({ level: "silent" }),
  );
  if (opts.start !== false) await edge.start();
  return {
    standIn,
    edge,
    dir,
    confDir,
    kubeconfig,
    writeConf: (file, conf) => writeFile(join(confDir, file), JSON.stringify(conf)),
    async close() {
      await edge.stop();
      await standIn.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
