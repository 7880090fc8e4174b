// Issue 8: the BUILT shim binary run as a runtime runs it, with arbitrary CNI_* environments and
// stdin, against a real daemon composed like main.ts (test-double plugin). Every run exits 0 with
// a result, or 1 with exactly one spec error object on stdout whose code is a CNI code for bad
// input — never 999, never a crash or a stack trace, never a reply that echoes a megabyte.
import { mkdir, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildShim, containerdEnv, runShimBinary, shimConf, type ShimRun } from "../helpers/containerd/shim-binary.js";
import { startComposedDaemon, tempDir, type TestDaemon } from "../helpers/daemon.js";
import { nastyJson, nastyNumber, nastyString, PROTO_KEYS, runs, withinMs } from "../helpers/property.js";
import { createScratchNetns, type ScratchNetns } from "../helpers/scratch-netns.js";

const NOOP = fileURLToPath(new URL("../fixtures/plugins/noop.mjs", import.meta.url));
/** SPEC §6 codes, and ours for the daemon's catalog (3 unknown container, 8 bad netns, 50 not available): never 999. */
const CNI_INPUT_CODES = [1, 2, 3, 4, 5, 6, 7, 8, 11, 50];

let shim: string;
let d: TestDaemon;
let dir: string;
let netns: ScratchNetns;
const added = new Set<string>();

beforeAll(async () => {
  shim = await buildShim();
  netns = await createScratchNetns();
  dir = await tempDir("na-shim-props-");
  await mkdir(join(dir, "bin"));
  await mkdir(join(dir, "net.d"));
  await symlink(NOOP, join(dir, "bin", "noop"));
  await writeFile(
    join(dir, "net.d", "10-cluster.conflist"),
    JSON.stringify({
      cniVersion: "1.1.0",
      name: "cluster",
      plugins: [{ type: "noop", capabilities: { portMappings: true, bandwidth: true } }],
    }),
  );
  d = await startComposedDaemon(
    { clusterNetwork: "cluster", cniBinDirs: [join(dir, "bin")], cniConfDir: join(dir, "net.d") },
    { dir },
  );
}, 180_000);

afterAll(async () => {
  for (const id of added) await d?.client.api.detachNetworks({ containerId: id }).catch(() => undefined);
  await d?.stop();
  await netns?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** One run's contract, whatever went in. */
function expectCniOutcome(r: ShimRun, command: string): void {
  expect(r.stderr, "a stack trace on stderr").not.toMatch(/\n\s+at \S+.*:\d+:\d+/);
  expect(r.stdout.length).toBeLessThan(4096);
  expect([0, 1]).toContain(r.exitCode);
  if (r.exitCode === 0) {
    if (command === "ADD" || command === "VERSION") expect(JSON.parse(r.stdout)).toHaveProperty("cniVersion");
    return;
  }
  const out = JSON.parse(r.stdout) as Record<string, unknown>;
  expect(Object.keys(out).sort()).toEqual(
    ["cniVersion", "code", "msg", ...(out.details === undefined ? [] : ["details"])].sort(),
  );
  expect(CNI_INPUT_CODES, `code ${String(out.code)}: ${String(out.msg)}; ${String(out.details)}`).toContain(out.code);
}

/** Mostly a real containerd invocation, each variable sometimes replaced by anything. */
const sometimes = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: 6 }, { arbitrary: a, weight: 1 });
const invocation = fc.record({
  command: fc.oneof(
    { arbitrary: fc.constantFrom("ADD", "DEL", "CHECK", "VERSION", "STATUS", "GC"), weight: 4 },
    { arbitrary: nastyString(8), weight: 1 },
  ),
  id: fc.stringMatching(/^[a-f0-9]{16}$/),
  env: fc.record({
    CNI_CONTAINERID: sometimes(nastyString(80)),
    CNI_NETNS: sometimes(fc.oneof(fc.constantFrom("/proc/self/ns/net", "/", ""), nastyString())),
    CNI_IFNAME: sometimes(fc.oneof(fc.constantFrom("lo", "eth0:1", "sixteen-chars-xx"), nastyString(20))),
    CNI_ARGS: sometimes(
      fc.oneof(
        nastyString(60),
        fc
          .array(fc.tuple(fc.constantFrom(...PROTO_KEYS, "K8S_POD_NAME", "K8S_POD_NAMESPACE"), nastyString(12)), {
            maxLength: 3,
          })
          .map((ps) => ps.map(([k, v]) => `${k}=${v}`).join(";")),
      ),
    ),
  }),
  conf: fc.record({
    cniVersion: sometimes(
      fc.oneof(fc.constantFrom("0.1.0", "0.4.0", "1.1.0", "2.0.0"), nastyString(), fc.constant("1".repeat(200_000))),
    ),
    readinessTimeoutMs: sometimes(nastyNumber),
    callTimeoutMs: sometimes(nastyNumber),
    logLevel: sometimes(nastyJson),
    runtimeConfig: sometimes(
      fc.oneof(
        nastyJson,
        fc.record(
          {
            portMappings: fc.array(
              fc.record({
                hostPort: nastyNumber,
                containerPort: nastyNumber,
                protocol: fc.constantFrom("tcp", "udp", ""),
              }),
              { maxLength: 2 },
            ),
            bandwidth: fc.record({ ingressRate: nastyNumber, ingressBurst: nastyNumber }),
            "io.kubernetes.cri.pod-annotations": fc.dictionary(nastyString(10), nastyString(40), { maxKeys: 2 }),
          },
          { requiredKeys: [] },
        ),
      ),
    ),
  }),
  stdinText: sometimes(nastyString(100)),
});

describe("the built shim: properties", () => {
  it("any CNI_* environment and stdin: a result, or one spec error object with an input code", async () => {
    await fc.assert(
      fc.asyncProperty(invocation, async (inv) => {
        const base = containerdEnv(inv.command, {
          containerId: inv.id,
          netns: netns.path,
          args: `K8S_POD_NAMESPACE=default;K8S_POD_NAME=web;K8S_POD_UID=uid-1;IgnoreUnknown=1`,
        });
        const env: Record<string, string> = { ...base };
        for (const [k, v] of Object.entries(inv.env)) if (v !== undefined) env[k] = v.replace(/\0/g, "");
        const conf: Record<string, unknown> = shimConf(d.socketPath, { cniVersion: "1.1.0", readinessTimeoutMs: 500 });
        for (const [k, v] of Object.entries(inv.conf)) if (v !== undefined) conf[k] = v;
        const r = await withinMs(15_000, () => runShimBinary(shim, env, inv.stdinText ?? JSON.stringify(conf)));
        if (r.exitCode === 0 && inv.command === "ADD") added.add(env.CNI_CONTAINERID ?? "");
        expectCniOutcome(r, inv.command);
      }),
      runs(30),
    );
    // The daemon still answers.
    expect((await d.client.api.getStatus({})).ready).toBe(true);
  });

  it.each<[string, Record<string, string>, Record<string, unknown>, number, RegExp]>([
    [
      "a host port past int32",
      {},
      { runtimeConfig: { portMappings: [{ hostPort: 2 ** 40, containerPort: 80, protocol: "tcp" }] } },
      7,
      /portMappings\.hostPort/,
    ],
    ["a rate past int64", {}, { runtimeConfig: { bandwidth: { ingressRate: 1e30 } } }, 7, /bandwidth\.ingressRate/],
    ["interface lo", { CNI_IFNAME: "lo" }, {}, 4, /loopback/],
    [
      "a pod name that is not a Kubernetes name",
      { CNI_ARGS: "K8S_POD_NAMESPACE=default;K8S_POD_NAME=Web_1;K8S_POD_UID=u" },
      {},
      4,
      /pod\.name "Web_1"/,
    ],
  ])("regression: ADD with %s is refused with its CNI code, not 999", async (_what, env, conf, code, msg) => {
    const r = await runShimBinary(
      shim,
      { ...containerdEnv("ADD", { containerId: "feedfacefeedface", netns: netns.path }), ...env },
      JSON.stringify(shimConf(d.socketPath, { cniVersion: "1.1.0", ...conf })),
    );
    expect(r.exitCode).toBe(1);
    const out = JSON.parse(r.stdout) as { code: number; msg: string; details?: string };
    expect(out.code).toBe(code);
    expect(`${out.msg} ${out.details ?? ""}`).toMatch(msg);
  });

  it("regression: a 200 KB cniVersion is refused with code 1 and not echoed", async () => {
    const r = await runShimBinary(
      shim,
      containerdEnv("ADD", { netns: netns.path }),
      JSON.stringify(shimConf(d.socketPath, { cniVersion: "1".repeat(200_000) })),
    );
    expect(r.exitCode).toBe(1);
    expect(r.stdout.length).toBeLessThan(1024);
    expect(JSON.parse(r.stdout)).toMatchObject({ code: 1, cniVersion: "1.1.0" });
  });
});
