// The production bundles (`tools/build.mjs` → netattachd.mjs, netattachctl.mjs) on their own:
// copied alone into an empty temp dir (no node_modules, no repo above it), run by plain node
// with nothing in the environment but PATH. Built fresh into a temp dir: this tests the
// current source and never races a concurrent `npm run build` on build/.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdir, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import { FileDescriptorProto } from "google-protobuf/google/protobuf/descriptor_pb.js";
import { ServerReflectionService } from "nice-grpc-server-reflection";
import {
  ServerReflectionRequest,
  type ServerReflectionResponse,
} from "nice-grpc-server-reflection/lib/proto/grpc/reflection/v1/reflection_pb.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CNI_BIN_DIRS } from "../helpers/cni-bin.js";
import { tempDir } from "../helpers/daemon.js";
import { startKubeStandIn, type KubeStandIn } from "../helpers/kube-stand-in/index.js";
import { DAEMON_NODE_FLAGS } from "../../tools/image/build-image.js";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BUNDLES = ["netattachctl.mjs", "netattachd.mjs"];
/** Only PATH (with this node first, for the shebang): no NODE_PATH, NODE_OPTIONS or tsx. */
const ENV = { PATH: `${dirname(process.execPath)}:/usr/sbin:/usr/bin:/sbin:/bin` };

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(file: string, args: readonly string[], cwd = "/"): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, env: ENV }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === "number" ? err.code : -1, stdout, stderr });
    });
  });
}

let dir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  const out = await tempDir("na-bundles-build-");
  try {
    const built = await run(process.execPath, [join(REPO_ROOT, "tools/build.mjs"), "--bundles", out], REPO_ROOT);
    expect(built.stderr).toBe("");
    expect(built.code).toBe(0);
    dir = await tempDir("na-bundles-run-");
    for (const f of BUNDLES) await copyFile(join(out, f), join(dir, f));
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}, 60_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The daemon bundle as the DaemonSet runs it (its node flags) on a config in its own dir; stdout (JSON log lines) collected. */
async function spawnDaemon(
  name: string,
  config: Record<string, unknown>,
): Promise<{
  child: ChildProcess;
  socket: string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}> {
  const home = join(dir, name);
  await mkdir(join(home, "net.d"), { recursive: true });
  await writeFile(
    join(home, "net.d", "10-lo.conflist"),
    JSON.stringify({ cniVersion: "1.0.0", name: "lo-net", plugins: [{ type: "loopback" }] }),
  );
  const socket = join(home, "netattachd.sock");
  // Relative cniConfDir: resolved against the config file, not the cwd ("/").
  const yaml = Object.entries({
    socketPath: socket,
    stateDir: join(home, "state"),
    cniBinDirs: CNI_BIN_DIRS,
    cniConfDir: "net.d",
    clusterNetwork: "lo-net",
    ...config,
  })
    .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
    .join("\n");
  await writeFile(join(home, "netattachd.yaml"), `${yaml}\n`);
  const args = [...DAEMON_NODE_FLAGS, join(dir, "netattachd.mjs"), "--config", join(home, "netattachd.yaml")];
  const child = spawn(process.execPath, args, { cwd: "/", env: ENV, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, socket, stdout: () => stdout, stderr: () => stderr, exited };
}

/** spawnDaemon, then waits for its socket; its log as messages. */
async function startDaemon(
  name: string,
  config: Record<string, unknown>,
): Promise<{ child: ChildProcess; socket: string; log: () => string[]; exited: Promise<number | null> }> {
  const { child, socket, stdout, stderr, exited } = await spawnDaemon(name, config);
  const log = (): string[] =>
    stdout()
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => (JSON.parse(l) as { msg: string }).msg);
  // Logged once the socket is served and the first readiness check is done (health set).
  const listening = (): boolean => stdout().includes('"msg":"netattachd listening"');
  for (let i = 0; i < 400 && !listening(); i++) {
    if (child.exitCode !== null) throw new Error(`netattachd.mjs exited ${child.exitCode}: ${stderr()}${stdout()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  expect(listening(), `not listening after 10 s; stderr: ${stderr()}`).toBe(true);
  expect(existsSync(socket)).toBe(true);
  return { child, socket, log, exited };
}

async function status(socket: string): Promise<Run & { json: Record<string, unknown> }> {
  const r = await run(join(dir, "netattachctl.mjs"), ["status", "-o", "json", "--socket", socket]);
  return { ...r, json: r.stdout === "" ? {} : (JSON.parse(r.stdout) as Record<string, unknown>) };
}

/** The proto files reflection serves for the attachment service (from the embedded descriptor set). */
function reflectedFiles(socket: string): Promise<string[]> {
  const Ctor = grpc.makeGenericClientConstructor(ServerReflectionService, "ServerReflection");
  const client = new Ctor(`unix://${socket}`, grpc.credentials.createInsecure());
  return new Promise<string[]>((resolve, reject) => {
    const stream = (
      client as unknown as {
        serverReflectionInfo(): grpc.ClientDuplexStream<ServerReflectionRequest, ServerReflectionResponse>;
      }
    ).serverReflectionInfo();
    stream.once("data", (res: ServerReflectionResponse) => {
      stream.end();
      const bytes = res.getFileDescriptorResponse()?.getFileDescriptorProtoList_asU8() ?? [];
      resolve(bytes.map((b) => FileDescriptorProto.deserializeBinary(b).getName() ?? ""));
    });
    stream.once("error", reject);
    stream.write(new ServerReflectionRequest().setFileContainingSymbol("netattach.v1.AttachmentService"));
  }).finally(() => client.close());
}

describe("bundles copied alone into an empty dir", () => {
  it("are the two files, each an executable with a plain node shebang", async () => {
    expect((await readdir(dir)).sort()).toEqual(BUNDLES);
    for (const f of BUNDLES) {
      expect((await stat(join(dir, f))).mode & 0o111).toBe(0o111);
      expect((await readFile(join(dir, f), "utf8")).split("\n", 1)[0]).toBe("#!/usr/bin/env node");
    }
  });

  it("netattachctl.mjs --help runs through its shebang from another cwd", async () => {
    const r = await run(join(dir, "netattachctl.mjs"), ["--help"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: netattachctl <command>/);
    for (const command of ["attach", "detach", "status", "install"])
      expect(r.stdout).toMatch(new RegExp(`^  ${command} `, "m"));
  });

  it("netattachd.mjs without a cluster: GetStatus through netattachctl.mjs, reflection, SIGTERM removes the socket", async () => {
    const d = await startDaemon("none", {});
    const s = await status(d.socket);
    expect(s.stderr).toBe("");
    expect(s.code).toBe(0);
    expect(s.json).toMatchObject({
      ready: true,
      reasons: [],
      clusterNetwork: { name: "lo-net", ok: true },
      health: "SERVING",
    });
    expect(await reflectedFiles(d.socket)).toContain("netattach/v1/attachment_service.proto");
    d.child.kill("SIGTERM");
    expect(await d.exited).toBe(0);
    expect(existsSync(d.socket)).toBe(false);
    expect(d.log()).toEqual(
      expect.arrayContaining(["configuration loaded", "netattachd listening", "shutting down", "netattachd stopped"]),
    );
  });

  describe("with the Kubernetes client (loaded on demand from the same file)", () => {
    let standIn: KubeStandIn;
    beforeAll(async () => {
      standIn = await startKubeStandIn();
      standIn.createNad({
        namespace: "default",
        name: "blue",
        config: { cniVersion: "1.0.0", name: "blue", plugins: [{ type: "loopback" }] },
      });
    });
    afterAll(async () => {
      await standIn?.close();
    });

    it("syncs both informers against the API stand-in and becomes ready", async () => {
      const kubeconfigPath = await standIn.writeKubeconfig(dir);
      const d = await startDaemon("kube", {
        kubernetes: { mode: "kubeconfig", kubeconfigPath, nodeName: "node-bundle" },
      });
      let s = await status(d.socket);
      for (let i = 0; i < 100 && s.json.ready !== true; i++, s = await status(d.socket))
        await new Promise((r) => setTimeout(r, 50));
      expect(s.json).toMatchObject({ ready: true, reasons: [], health: "SERVING" });
      expect([standIn.openWatches("pods"), standIn.openWatches("network-attachment-definitions")]).toEqual([1, 1]);
      // The bundle has no package.json beside it: the build defined the version.
      const { version } = JSON.parse(await readFile(join(REPO_ROOT, "package.json"), "utf8")) as { version: string };
      expect(new Set(standIn.requests.map((r) => r.userAgent))).toEqual(new Set([`netattachd/${version}`]));
      d.child.kill("SIGTERM");
      expect(await d.exited).toBe(0);
      expect(existsSync(d.socket)).toBe(false);
    });

    it("refuses an oidc kubeconfig user under the DaemonSet's --lite-mode (no WebAssembly for fetch): one fatal line, exit 1", async () => {
      const kubeconfigPath = join(dir, "oidc-kubeconfig.json");
      await writeFile(
        kubeconfigPath,
        JSON.stringify({
          apiVersion: "v1",
          kind: "Config",
          clusters: [{ name: "c", cluster: { server: standIn.url } }],
          users: [{ name: "node-admin", user: { "auth-provider": { name: "oidc", config: { "id-token": "x" } } } }],
          contexts: [{ name: "ctx", context: { cluster: "c", user: "node-admin" } }],
          "current-context": "ctx",
        }),
      );
      const requestsBefore = standIn.requests.length;
      const d = await spawnDaemon("oidc", { kubernetes: { mode: "kubeconfig", kubeconfigPath, nodeName: "n" } });
      expect(await d.exited).toBe(1);
      expect(d.stderr()).toBe("");
      const fatal = d
        .stdout()
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => JSON.parse(l) as { level: number; code?: string; msg: string })
        .filter((l) => l.level === 60);
      expect(fatal).toEqual([
        expect.objectContaining({
          code: "KUBE_API_UNAVAILABLE",
          msg: expect.stringMatching(
            new RegExp(
              `^kubeconfig ${kubeconfigPath} user node-admin uses auth-provider oidc, which needs WebAssembly`,
            ),
          ) as unknown,
        }),
      ]);
      expect(existsSync(d.socket)).toBe(false);
      expect(standIn.requests).toHaveLength(requestsBefore);
    });
  });
});
