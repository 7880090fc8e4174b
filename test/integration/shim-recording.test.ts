// Replays what containerd 1.6 really sent to a CNI plugin (test/fixtures/containerd-1.6,
// recorded by test/helpers/containerd/record-main.ts) through the BUILT shim and checks
// what reaches the daemon: capitalised capability keys, null annotations, the empty netns
// of the second DEL.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FIXED_POD_UID, type RecordedScenario } from "../helpers/containerd/record-containerd-cni.js";
import { buildShim, runShimBinary } from "../helpers/containerd/shim-binary.js";
import { createStandInDaemon, defaultScript, type StandInDaemon } from "../helpers/containerd/stand-in-daemon.js";

const SANDBOX_ID = "5f0c9e3a1b2d4c6e8f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6";
const NETNS_UUID = "3f2e1d0c-9b8a-7654-3210-fedcba987654";

function load(scenario: string): RecordedScenario {
  return JSON.parse(
    readFileSync(new URL(`../fixtures/containerd-1.6/${scenario}.json`, import.meta.url), "utf8"),
  ) as RecordedScenario;
}

/** Placeholders back to concrete values, and the recorder's conf made the shim's. */
function replayable(
  call: RecordedScenario["calls"][number],
  socketPath: string,
): { env: Record<string, string>; stdin: string } {
  const fill = (s: string): string => s.split("<sandbox-id>").join(SANDBOX_ID).split("<netns-uuid>").join(NETNS_UUID);
  const env = Object.fromEntries(Object.entries(call.env).map(([k, v]) => [k, fill(v)]));
  const stdin = JSON.parse(fill(JSON.stringify(call.stdin))) as Record<string, unknown>;
  return { env, stdin: JSON.stringify({ ...stdin, type: "netattach-cni", socketPath }) };
}

let shim: string;
let daemon: StandInDaemon;

beforeAll(async () => {
  shim = await buildShim();
  daemon = await createStandInDaemon();
  await daemon.start();
}, 120_000);

afterAll(async () => {
  await daemon?.dispose();
});

beforeEach(() => {
  daemon.script = defaultScript();
  daemon.calls.length = 0;
});

describe("the containerd 1.6 recording", () => {
  it("shows a pod's lifecycle as ADD, DEL (with prevResult), DEL (netns gone)", () => {
    for (const scenario of ["full", "minimal"]) {
      const rec = load(scenario);
      expect(rec.calls.map((c) => c.command)).toEqual(["ADD", "DEL", "DEL"]);
      expect(rec.calls[2]?.env.CNI_NETNS).toBe("");
      expect(
        Object.keys(rec.calls[0]?.env ?? {})
          .filter((k) => k.startsWith("CNI_"))
          .sort(),
      ).toEqual(["CNI_ARGS", "CNI_COMMAND", "CNI_CONTAINERID", "CNI_IFNAME", "CNI_NETNS", "CNI_PATH"]);
    }
  });

  it("full pod: annotations, port mappings, bandwidth and DNS reach the daemon with spec-cased keys", async () => {
    const rec = load("full");
    const add = rec.calls[0];
    if (add === undefined) throw new Error("empty recording");
    const { env, stdin } = replayable(add, daemon.socketPath);
    const r = await runShimBinary(shim, env, stdin);
    expect(r.stderr).toBe("");
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ cniVersion: "1.0.0" });

    const call = daemon.calls.find((c) => c.op === "attach");
    if (call?.op !== "attach") throw new Error("no attach call");
    expect(call.req).toMatchObject({
      containerId: SANDBOX_ID,
      netns: `/var/run/netns/cni-${NETNS_UUID}`,
      primaryIfName: "eth0",
      pod: { namespace: "team-a", name: "web-0", uid: FIXED_POD_UID },
      annotations: rec.pod.annotations,
      cniVersion: "1.0.0",
    });
    expect(call.req.runtimeConfig).toEqual({
      // containerd sent {"HostPort","ContainerPort","Protocol","HostIP"} and dropped hostPort 0.
      portMappings: [
        { hostPort: 8080, containerPort: 80, protocol: "tcp" },
        { hostPort: 5353, containerPort: 53, protocol: "udp", hostIP: "127.0.0.1" },
      ],
      bandwidth: {
        ingressRate: 1_000_000,
        ingressBurst: 4_294_967_295,
        egressRate: 2_000_000,
        egressBurst: 4_294_967_295,
      },
      dns: {
        servers: ["10.96.0.10"],
        searches: ["team-a.svc.cluster.local", "svc.cluster.local"],
        options: ["ndots:5"],
      },
    });
    expect(new Map(call.req.cniArgs)).toEqual(
      new Map([
        ["K8S_POD_INFRA_CONTAINER_ID", SANDBOX_ID],
        ["IgnoreUnknown", "1"],
      ]),
    );
  });

  it("pod without annotations: containerd's null means 'none', so the daemon is told so", async () => {
    const add = load("minimal").calls[0];
    if (add === undefined) throw new Error("empty recording");
    const { env, stdin } = replayable(add, daemon.socketPath);
    expect(JSON.parse(stdin)).toMatchObject({ runtimeConfig: { "io.kubernetes.cri.pod-annotations": null } });
    const r = await runShimBinary(shim, env, stdin);
    expect(r.exitCode).toBe(0);
    const call = daemon.calls.find((c) => c.op === "attach");
    expect(call?.op === "attach" && call.req.annotations).toEqual({});
  });

  it("both DELs reach the daemon, the second with the empty netns, each with its interface and runtimeConfig (for a release with nothing saved)", async () => {
    const rec = load("full");
    for (const del of rec.calls.slice(1)) {
      const { env, stdin } = replayable(del, daemon.socketPath);
      const r = await runShimBinary(shim, env, stdin);
      expect(r).toMatchObject({ exitCode: 0, stdout: "" });
    }
    const dels = daemon.calls.filter((c) => c.op === "detach").map((c) => c.req);
    expect(dels).toMatchObject([
      {
        containerId: SANDBOX_ID,
        netns: `/var/run/netns/cni-${NETNS_UUID}`,
        pod: { namespace: "team-a", name: "web-0", uid: FIXED_POD_UID },
      },
      { containerId: SANDBOX_ID, netns: "", pod: { namespace: "team-a", name: "web-0", uid: FIXED_POD_UID } },
    ]);
    for (const del of dels) {
      expect(del).toMatchObject({ primaryIfName: "eth0" });
      expect(del.runtimeConfig?.portMappings).toEqual([
        { hostPort: 8080, containerPort: 80, protocol: "tcp" },
        { hostPort: 5353, containerPort: 53, protocol: "udp", hostIP: "127.0.0.1" },
      ]);
    }
  });
});
