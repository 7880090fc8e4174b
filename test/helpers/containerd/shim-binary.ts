// Builds the shim with the project's build script (into a private path, so parallel test
// files do not race on build/) and runs it exactly as a container runtime does.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { CACHE_HOME } from "../../../tools/image/cache-home.js";
import { feedStdin } from "../run-cmd.js";

export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
/** Per checkout: another worktree's builds must not evict this one's binary while its tests run it. */
const CACHE = join(CACHE_HOME, "shim", createHash("sha256").update(REPO_ROOT).digest("hex").slice(0, 12));
// The shim also bundles the CNI spec and result rules, the Connect protocol and the text bounds
// from server/src.
const INPUTS = [
  "client-cni/src",
  "server/src/cni/spec",
  "server/src/cni/result",
  "server/src/connect",
  "server/src/errors/bounded-text.ts",
  "proto/gen",
  "tools/build.mjs",
  "package-lock.json",
];

/** Hash of everything the binary is built from. */
async function sourceHash(): Promise<string> {
  const h = createHash("sha256");
  for (const input of INPUTS) {
    const path = join(REPO_ROOT, input);
    const files = (await stat(path)).isDirectory()
      ? (await readdir(path, { recursive: true })).map((f) => join(path, f)).sort()
      : [path];
    for (const f of files)
      if ((await stat(f)).isFile() && !f.endsWith(".test.ts")) h.update(f).update(await readFile(f));
  }
  return h.digest("hex").slice(0, 16);
}

/**
 * The shim built by the project's build script, once per source version: test files run in
 * parallel workers, so each builds into its own temp name and renames into the cache.
 */
export async function buildShim(): Promise<string> {
  const hash = await sourceHash();
  const out = join(CACHE, hash, "netattach-cni");
  if (existsSync(out)) return out;
  await mkdir(join(CACHE, hash), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  await execa("node", [join(REPO_ROOT, "tools/build.mjs"), "--out", tmp], { cwd: REPO_ROOT });
  await rename(tmp, out);
  // Binaries of older sources are 100+ MB each: keep only this one.
  for (const old of await readdir(CACHE))
    if (old !== hash) await rm(join(CACHE, old), { recursive: true, force: true });
  return out;
}

export interface ShimRun {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number | null;
}

/** Runs the binary with exactly `env` (nothing inherited) and `stdin`, from `cwd`. */
export function runShimBinary(binary: string, env: Record<string, string>, stdin: string, cwd = "/"): Promise<ShimRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, [], { env, cwd, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (exitCode) => resolve({ stdout, stderr, exitCode }));
    feedStdin(child.stdin, stdin);
  });
}

/** The env containerd 1.6 gives a plugin (see test/fixtures/containerd-1.6), for one command. */
export function containerdEnv(
  command: string,
  o: { containerId?: string; netns?: string; ifName?: string; args?: string } = {},
): Record<string, string> {
  const id = o.containerId ?? "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  return {
    PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    CNI_COMMAND: command,
    CNI_CONTAINERID: id,
    CNI_NETNS: o.netns ?? "/var/run/netns/cni-11111111-2222-3333-4444-555555555555",
    CNI_IFNAME: o.ifName ?? "eth0",
    CNI_ARGS:
      o.args ??
      `K8S_POD_NAMESPACE=default;K8S_POD_NAME=web;K8S_POD_INFRA_CONTAINER_ID=${id};K8S_POD_UID=uid-1;IgnoreUnknown=1`,
    CNI_PATH: "/opt/cni/bin",
  };
}

/** The shim's conf as `netattachctl install` writes it, as libcni hands it to the plugin. */
export function shimConf(socketPath: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    cniVersion: "1.0.0",
    name: "netattach",
    type: "netattach-cni",
    socketPath,
    readinessTimeoutMs: 2_000,
    ...extra,
  };
}
