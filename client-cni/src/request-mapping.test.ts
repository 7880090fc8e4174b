// The containerd 1.6 recording through the pure request mapping (the built binary gets the
// same replay in test/integration/shim-recording.test.ts).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseCniEnv } from "./cni-env.js";
import { toAttachRequest, toCheckRequest, toDetachRequest, toGcRequest } from "./request-mapping.js";
import { parseShimConf } from "./shim-conf.js";

interface Recorded {
  calls: { command: string; env: Record<string, string>; stdin: Record<string, unknown> }[];
}

const full = JSON.parse(
  readFileSync(new URL("../../test/fixtures/containerd-1.6/full.json", import.meta.url), "utf8"),
) as Recorded;
const ID = "a".repeat(64);

function invocation(i: number): { env: ReturnType<typeof parseCniEnv>; stdin: string } {
  const call = full.calls[i];
  if (call === undefined) throw new Error(`no call ${i}`);
  const env = Object.fromEntries(Object.entries(call.env).map(([k, v]) => [k, v.split("<sandbox-id>").join(ID)]));
  return { env: parseCniEnv(env), stdin: JSON.stringify({ ...call.stdin, socketPath: "/run/x.sock" }) };
}

describe("request mapping of the containerd 1.6 recording", () => {
  it("ADD carries every capability containerd filled in", () => {
    const { env, stdin } = invocation(0);
    const req = toAttachRequest(env, parseShimConf(stdin));
    expect(req).toMatchObject({
      containerId: ID,
      primaryInterface: "eth0",
      cniVersion: "1.0.0",
      pod: { namespace: "team-a", name: "web-0" },
    });
    expect(Object.keys(req.annotations?.values ?? {})).toEqual([
      "k8s.v1.cni.cncf.io/networks",
      "kubernetes.io/egress-bandwidth",
      "kubernetes.io/ingress-bandwidth",
    ]);
    expect(req.runtimeConfig?.portMappings).toEqual([
      { hostPort: 8080, containerPort: 80, protocol: "tcp", hostIp: "" },
      { hostPort: 5353, containerPort: 53, protocol: "udp", hostIp: "127.0.0.1" },
    ]);
    expect(req.runtimeConfig?.bandwidth).toEqual({
      ingressRate: 1000000,
      ingressBurst: 4294967295,
      egressRate: 2000000,
      egressBurst: 4294967295,
    });
    expect(req.runtimeConfig?.dns?.servers).toEqual(["10.96.0.10"]);
    expect(req.runtimeConfig?.extraJson).toBe("");
  });

  it("DEL ignores prevResult (the daemon has its own record), keeps the empty netns, and carries what a release with nothing saved needs as ADD does", () => {
    const first = invocation(1);
    const req = toDetachRequest(first.env, parseShimConf(first.stdin));
    expect(req).toMatchObject({
      containerId: ID,
      netnsPath: expect.stringMatching(/^\/var\/run\/netns\/cni-/),
      primaryInterface: "eth0",
      pod: { namespace: "team-a", name: "web-0" },
    });
    expect(req.runtimeConfig?.portMappings).toEqual([
      { hostPort: 8080, containerPort: 80, protocol: "tcp", hostIp: "" },
      { hostPort: 5353, containerPort: 53, protocol: "udp", hostIp: "127.0.0.1" },
    ]);
    expect(req.cniArgs).toEqual([
      { key: "IgnoreUnknown", value: "1" },
      { key: "K8S_POD_INFRA_CONTAINER_ID", value: ID },
    ]);
    const second = invocation(2);
    expect(toDetachRequest(second.env, parseShimConf(second.stdin))).toMatchObject({ containerId: ID, netnsPath: "" });
  });

  it("DEL never fails on a runtimeConfig or CNI_ARGS that does not read: it leaves them out", () => {
    const { env, stdin } = invocation(1);
    const conf = parseShimConf(JSON.stringify({ ...JSON.parse(stdin), runtimeConfig: { portMappings: "x" } }));
    const req = toDetachRequest({ ...env, args: "K8S_POD_NAME" }, conf);
    expect(req).toMatchObject({ containerId: ID, runtimeConfig: undefined, cniArgs: [] });
  });

  it("CHECK sends the netns and interface it names, for the daemon to compare with the saved ones", () => {
    const env = parseCniEnv({
      CNI_COMMAND: "CHECK",
      CNI_CONTAINERID: ID,
      CNI_NETNS: "/var/run/netns/other",
      CNI_IFNAME: "bogus",
    });
    expect(toCheckRequest(env)).toEqual({
      containerId: ID,
      netnsPath: "/var/run/netns/other",
      primaryInterface: "bogus",
    });
  });

  it("GC without valid attachments only asks for delegate GC", () => {
    expect(toGcRequest(parseShimConf('{"cniVersion":"1.1.0","name":"n"}'))).toEqual({
      validAttachments: undefined,
      dryRun: false,
    });
    expect(
      toGcRequest(
        parseShimConf('{"cniVersion":"1.1.0","name":"n","cni.dev/attachments":[{"containerID":"c","ifname":"eth0"}]}'),
      ),
    ).toEqual({ validAttachments: { containerIds: ["c"] }, dryRun: false });
  });
});
