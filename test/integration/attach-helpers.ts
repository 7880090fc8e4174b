// Shared setup for attach-*.test.ts: the real CNI runtime (spawn exec) over the test-double
// noop plugin in a per-test bin dir, a real file store, and an in-memory resolver.
import { mkdir, mkdtemp, readFile, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import pino from "pino";
import { createCniRuntime, createSpawnExec, type JsonObject } from "../../server/src/cni/index.js";
import { createAttachmentService } from "../../server/src/attach/create-attachment-service.js";
import { createFileAttachmentStore } from "../../server/src/attach/file-attachment-store.js";
import { createPluginFinder } from "../../server/src/attach/plugin-check.js";
import type { AttachRequest, NetworkStatusEntry } from "../../server/src/attach/index.js";
import type { RouteEditor } from "../../server/src/netns/route-editor.js";
import type { NetworkResolver, ResolvedNetwork } from "../../server/src/resolve/index.js";
import { createNetnsGuard } from "../../server/src/netns/netns-guard.js";
import { createPodLinks } from "../../server/src/netns/pod-links.js";
import { createScratchNetns } from "../helpers/scratch-netns.js";

const NOOP = resolve(import.meta.dirname, "../fixtures/plugins/noop.mjs");

export interface Env {
  readonly dir: string;
  /** A real network namespace (the daemon refuses any other path). */
  readonly netns: string;
  readonly binDir: string;
  readonly cacheDir: string;
  readonly stateDir: string;
  cleanup(): Promise<void>;
}

export async function makeEnv(): Promise<Env> {
  const dir = await mkdtemp(join(tmpdir(), "attach-it-"));
  const binDir = join(dir, "bin");
  await mkdir(binDir);
  await symlink(NOOP, join(binDir, "noop"));
  const ns = await createScratchNetns();
  const cleanup = async (): Promise<void> => {
    await ns.close();
    await rm(dir, { recursive: true, force: true });
  };
  return { dir, netns: ns.path, binDir, cacheDir: join(dir, "cache"), stateDir: join(dir, "state"), cleanup };
}

/** A noop network whose plugin logs every call to `<dir>/calls.log`; `noop` scripts failures per command. */
export function noopNetwork(
  env: Env,
  role: ResolvedNetwork["role"],
  name: string,
  noop: JsonObject = {},
  iface?: string,
): ResolvedNetwork {
  const config = {
    cniVersion: "1.0.0",
    name,
    plugins: [{ type: "noop", debugFile: join(env.dir, "calls.log"), noop }],
  };
  return {
    role,
    network: role === "cluster" ? name : `default/${name}`,
    selection: {
      name,
      ...(role === "cluster" ? {} : { namespace: "default" }),
      ...(iface !== undefined ? { interface: iface } : {}),
    },
    definition: { name, config, origin: { kind: "conf-file", path: join(env.dir, `${name}.conflist`) } },
  };
}

export interface Invocation {
  readonly command: string;
  readonly env: Record<string, string>;
  readonly stdin: JsonObject;
}

/** Every plugin call of the named networks, in the order they happened. */
export async function invocations(
  env: Env,
  names: readonly string[],
): Promise<Array<Invocation & { network: string }>> {
  const text = await readFile(join(env.dir, "calls.log"), "utf8").catch(() => "");
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((line) => JSON.parse(line) as Invocation)
    .map((call) => ({ ...call, network: String(call.stdin["name"]) }))
    .filter((call) => names.includes(call.network));
}

export const noRoutes: RouteEditor = {
  listDefaultRoutes: async () => [],
  deleteDefaultRoute: async () => undefined,
  replaceDefaultRoute: async () => undefined,
};

export function makeService(env: Env, resolver: NetworkResolver) {
  const exec = createSpawnExec();
  const runtime = createCniRuntime({ exec, binDirs: [env.binDir], cacheDir: env.cacheDir, pluginTimeoutMs: 20_000 });
  const written: NetworkStatusEntry[][] = [];
  const svc = createAttachmentService({
    runtime,
    resolver,
    podSource: { getPod: async () => ({ reason: "no-cluster" }), ready: () => true },
    statusWriter: { write: async (_pod, status) => void written.push([...status]) },
    store: createFileAttachmentStore(join(env.stateDir, "attachments")),
    orphans: createFileAttachmentStore(join(env.stateDir, "orphans")),
    links: createPodLinks(),
    routes: noRoutes,
    netns: createNetnsGuard(),
    findPlugin: createPluginFinder(exec, [env.binDir]),
    limits: { maxConcurrent: 4, callTimeoutMs: 30_000 },
    clusterNetwork: () => undefined,
  });
  return { svc, written };
}

export const staticResolver = (networks: ResolvedNetwork[]): NetworkResolver => ({
  resolve: async () => networks,
  resolveClusterNetwork: async () =>
    networks.find((n) => n.role === "cluster") ?? Promise.reject(new Error("staticResolver: no cluster network")),
  resolveSelection: async (q) =>
    networks.find((n) => n.role === "selected" && n.selection.name === q.selection.name) ??
    Promise.reject(new Error(`staticResolver: no network ${q.selection.name}`)),
});

export const ctx = () => ({ signal: new AbortController().signal, log: pino({ level: "silent" }) });

export const attachRequest = (env: Env, containerId: string): AttachRequest => ({
  containerId,
  netns: env.netns,
  pod: { namespace: "default", name: "web", uid: "uid-1" },
  primaryIfName: "eth0",
  annotations: {},
});
