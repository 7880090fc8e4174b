// Properties of the shim's whole input side (issue 8): any CNI_* environment and any stdin give
// exit 0 with a result, or exit 1 with a spec error object whose code is a CNI code for bad input
// — never 999 (our bug), never an exception. The requests are encoded as on the wire, so what
// the proto cannot carry (a port past int32, a rate past int64) is found here, not in the client.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AttachNetworksRequest, DetachNetworksRequest } from "../../proto/gen/netattach/v1/attachment_service.js";
import { nastyJson, nastyNumber, nastyString, PROTO_KEYS, runs } from "../../test/helpers/property.js";
import type { DaemonClient } from "./daemon-client.js";
import { runShim } from "./shim.js";
import { SUPPORTED_VERSIONS } from "./versions.js";

/** Codes a bad invocation may get (SPEC §6): version, env, I/O, decode, config, retry. */
const INPUT_CODES = [1, 4, 5, 6, 7, 11];

interface Seen {
  attach?: AttachNetworksRequest;
  detach?: DetachNetworksRequest;
}

function fakeClient(seen: Seen, cniVersion: () => string): DaemonClient {
  const ok = async <T>(value: T): Promise<T> => value;
  return {
    attachNetworks: (req: AttachNetworksRequest) => {
      // As the transport does: a request the proto cannot carry throws here.
      AttachNetworksRequest.decode(AttachNetworksRequest.encode(req).finish());
      seen.attach = req;
      return ok({
        interfaces: [],
        primaryResultJson: JSON.stringify({ cniVersion: cniVersion() }),
        networkStatusJson: "",
      });
    },
    detachNetworks: (req: DetachNetworksRequest) => {
      DetachNetworksRequest.decode(DetachNetworksRequest.encode(req).finish());
      seen.detach = req;
      return ok({ removed: [] });
    },
    checkNetworks: () => ok({}),
    garbageCollect: () => ok({ errors: [], removed: [] }),
    getStatus: () => ok({ ready: true, reasons: [] }),
  } as unknown as DaemonClient;
}

async function run(
  env: Record<string, string>,
  stdin: string,
  seen: Seen = {},
): Promise<{ exitCode: number; out: Record<string, unknown> | undefined; stdout: string }> {
  let version = "";
  const res = await runShim({
    env,
    selfPath: "/opt/cni/bin/netattach-cni",
    readStdin: async () => stdin,
    loadClient: async () => () => fakeClient(seen, () => version),
    logSink: () => () => undefined,
    clock: { now: () => Date.now(), sleep: async () => undefined, random: () => 0.5 },
  });
  version = "";
  const out = res.stdout === "" ? undefined : (JSON.parse(res.stdout) as Record<string, unknown>);
  return { exitCode: res.exitCode, out, stdout: res.stdout };
}

function expectCniOutcome(r: Awaited<ReturnType<typeof run>>): void {
  expect(r.stdout.length).toBeLessThan(4096);
  if (r.exitCode === 0) return;
  expect(r.exitCode).toBe(1);
  expect(r.out).toEqual({
    cniVersion: expect.any(String),
    code: expect.any(Number),
    msg: expect.any(String),
    ...(r.out?.details === undefined ? {} : { details: expect.any(String) }),
  });
  expect(INPUT_CODES, `code ${String(r.out?.code)}: ${String(r.out?.msg)} ${String(r.out?.details)}`).toContain(
    r.out?.code,
  );
}

const cniArgs = fc
  .array(
    fc.tuple(
      fc.oneof(
        fc.constantFrom("K8S_POD_NAMESPACE", "K8S_POD_NAME", "K8S_POD_UID", "IgnoreUnknown", ...PROTO_KEYS),
        nastyString(10),
      ),
      nastyString(10),
    ),
    { maxLength: 5 },
  )
  .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join(";"));

const env = fc.record({
  CNI_COMMAND: fc.oneof(fc.constantFrom("ADD", "DEL", "CHECK", "GC", "STATUS", "VERSION"), nastyString(8)),
  CNI_CONTAINERID: fc.oneof(fc.constant("c0ffee"), nastyString(70)),
  CNI_NETNS: fc.oneof(fc.constant("/var/run/netns/x"), nastyString()),
  CNI_IFNAME: fc.oneof(fc.constantFrom("eth0", "lo"), nastyString(20)),
  CNI_ARGS: fc.oneof(fc.constant("K8S_POD_NAMESPACE=ns;K8S_POD_NAME=p"), cniArgs, nastyString()),
  CNI_PATH: fc.constant("/opt/cni/bin"),
});

const port = fc.oneof(fc.integer({ min: 0, max: 65535 }), nastyNumber);
const runtimeConfig = fc.record(
  {
    portMappings: fc.oneof(
      fc.array(
        fc.record({
          hostPort: port,
          containerPort: port,
          protocol: fc.constantFrom("tcp", "UDP", ""),
          hostIP: fc.constant(""),
        }),
        { maxLength: 2 },
      ),
      nastyJson,
    ),
    bandwidth: fc.oneof(
      fc.record({ ingressRate: nastyNumber, egressBurst: nastyNumber }, { requiredKeys: [] }),
      nastyJson,
    ),
    dns: nastyJson,
    ips: nastyJson,
    mac: nastyJson,
    "io.kubernetes.cri.pod-annotations": fc.oneof(fc.dictionary(nastyString(10), nastyString()), nastyJson),
    [PROTO_KEYS[0]]: nastyJson,
  },
  { requiredKeys: [] },
);

const conf = fc.record(
  {
    cniVersion: fc.oneof(fc.constantFrom(...SUPPORTED_VERSIONS), nastyString(), fc.constant("9".repeat(100_000))),
    name: nastyJson,
    type: fc.constant("netattach-cni"),
    readinessTimeoutMs: fc.oneof(fc.constant(1000), nastyNumber),
    callTimeoutMs: fc.oneof(fc.constant(1000), nastyNumber),
    logLevel: fc.oneof(fc.constant("silent"), nastyJson),
    runtimeConfig: fc.oneof(runtimeConfig, nastyJson),
    "cni.dev/valid-attachments": nastyJson,
  },
  { requiredKeys: ["type"] },
);

describe("the shim: properties", () => {
  it("any CNI_* environment and any network config: a result, or a CNI error with an input code", async () => {
    await fc.assert(
      fc.asyncProperty(env, conf, async (e, c) => expectCniOutcome(await run(e, JSON.stringify(c)))),
      runs(400),
    );
  });

  it("any stdin text", async () => {
    await fc.assert(
      fc.asyncProperty(env, nastyString(200), async (e, text) => expectCniOutcome(await run(e, text))),
      runs(200),
    );
  });

  it("every CNI_ARGS pair reaches the daemon, prototype-named keys included", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom(...PROTO_KEYS, "X"), fc.stringMatching(/^[a-z0-9]{0,8}$/)), {
          minLength: 1,
          maxLength: 4,
        }),
        async (pairs) => {
          const seen: Seen = {};
          const args = ["K8S_POD_NAMESPACE=ns", "K8S_POD_NAME=p", ...pairs.map(([k, v]) => `${k}=${v}`)].join(";");
          const r = await run(
            {
              CNI_COMMAND: "ADD",
              CNI_CONTAINERID: "c1",
              CNI_NETNS: "/var/run/netns/x",
              CNI_IFNAME: "eth0",
              CNI_ARGS: args,
            },
            JSON.stringify({ cniVersion: "1.0.0", type: "netattach-cni" }),
            seen,
          );
          expect(r.exitCode).toBe(1); // The fake answers a result of version "" on purpose: what matters is the request.
          expect(seen.attach?.pod).toEqual({ namespace: "ns", name: "p", uid: "" });
          expect(seen.attach?.cniArgs).toEqual(pairs.map(([key, value]) => ({ key, value })));
        },
      ),
      runs(50),
    );
  });

  it.each([
    ["a host port past int32", { portMappings: [{ hostPort: 2 ** 40, containerPort: 80 }] }, /portMappings\.hostPort/],
    ["a port past 65535", { portMappings: [{ hostPort: 65536, containerPort: 80 }] }, /portMappings\.hostPort/],
    ["a rate past int64", { bandwidth: { ingressRate: 1e30 } }, /bandwidth\.ingressRate/],
  ])("regression: %s is code 7 naming the key, not 999", async (_what, rc, key) => {
    const r = await run(
      { CNI_COMMAND: "ADD", CNI_CONTAINERID: "c1", CNI_NETNS: "/n", CNI_IFNAME: "eth0", CNI_ARGS: "" },
      JSON.stringify({ cniVersion: "1.0.0", type: "netattach-cni", runtimeConfig: rc }),
    );
    expect(r.out).toMatchObject({ code: 7, msg: expect.stringMatching(key) });
  });

  it("regression: a huge timeout is code 7 (a DEL drops it for the default), not a timer that fires at once", async () => {
    const r = await run(
      { CNI_COMMAND: "ADD", CNI_CONTAINERID: "c1", CNI_NETNS: "/n", CNI_IFNAME: "eth0" },
      JSON.stringify({ cniVersion: "1.0.0", type: "netattach-cni", callTimeoutMs: 1e300 }),
    );
    expect(r.out).toMatchObject({ code: 7, msg: expect.stringMatching(/callTimeoutMs/) });
  });

  it("regression: a megabyte cniVersion is not echoed back", async () => {
    const r = await run(
      { CNI_COMMAND: "ADD", CNI_CONTAINERID: "c1", CNI_NETNS: "/n", CNI_IFNAME: "eth0" },
      JSON.stringify({ cniVersion: "1".repeat(1 << 20), type: "netattach-cni" }),
    );
    expect(r.out).toMatchObject({ code: 1, cniVersion: "1.1.0" });
    expect(r.stdout.length).toBeLessThan(1024);
  });
});
