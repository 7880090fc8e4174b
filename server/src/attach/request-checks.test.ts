import { describe, expect, it } from "vitest";
import { formatCniArgs } from "../cni/index.js";
import { DaemonError } from "../errors/daemon-error.js";
import { DEFAULT_INPUT_LIMITS, MAX_POD_UID_LENGTH } from "../limits/input-limits.js";
import type { ResolveRequest, RuntimeCapabilities } from "./contract.js";
import { delegateCniArgs } from "./plan.js";
import { checkAttachRequest, checkUnrecordedDetach } from "./request-checks.js";

const base: ResolveRequest = {
  containerId: "c1",
  pod: { namespace: "default", name: "web", uid: "9b2f6c1e-3d4a-4f5b-8c7d-0e1f2a3b4c5d" },
  primaryIfName: "eth0",
};

function refusal(req: ResolveRequest, limits = DEFAULT_INPUT_LIMITS): DaemonError {
  try {
    checkAttachRequest(req, limits);
  } catch (err) {
    expect(err).toBeInstanceOf(DaemonError);
    return err as DaemonError;
  }
  return expect.fail("accepted");
}

describe("checkAttachRequest: pod", () => {
  it("names the fields and the CNI_ARGS a runtime sends them in when they are missing", () => {
    const err = refusal({ ...base, pod: { ...base.pod, name: "" } });
    expect([err.code, err.context.source]).toEqual(["INVALID_REQUEST", "pod"]);
    expect(err.message).toBe(
      'pod.namespace and pod.name are required, got "default" and "" (through the CNI shim: CNI_ARGS K8S_POD_NAMESPACE and K8S_POD_NAME, which Kubernetes runtimes send)',
    );
  });
});

describe("checkAttachRequest: pod.uid", () => {
  it("accepts a Kubernetes UID and an empty one", () => {
    expect(() => checkAttachRequest(base, DEFAULT_INPUT_LIMITS)).not.toThrow();
    expect(() => checkAttachRequest({ ...base, pod: { ...base.pod, uid: "" } }, DEFAULT_INPUT_LIMITS)).not.toThrow();
  });

  it("refuses a UID too long for a UID: every plugin would get it in CNI_ARGS (E2BIG, an orphan no DEL can release)", () => {
    const err = refusal({ ...base, pod: { ...base.pod, uid: "u".repeat(140_000) } });
    expect([err.code, err.context.source]).toEqual(["INVALID_REQUEST", "pod.uid"]);
    expect(err.message).toContain(`is 140000 characters, longer than ${MAX_POD_UID_LENGTH}`);
    expect(err.message.length).toBeLessThan(200);
  });
});

describe("checkAttachRequest: CNI_ARGS", () => {
  const limits = { ...DEFAULT_INPUT_LIMITS, maxCniArgsBytes: 1024 };
  const longName = { ...base.pod, name: "p".repeat(253) };

  it("counts the daemon's K8S_POD_* pairs in limits.maxCniArgsBytes, not only the request's", () => {
    const cniArgs = [["EXTRA", "v".repeat(700)]] as const;
    // The request's own pair (707 bytes) is within the limit, with the pod's names it is not.
    const err = refusal({ ...base, pod: longName, cniArgs }, limits);
    expect([err.code, err.context.source, err.context.limit]).toEqual([
      "LIMIT_EXCEEDED",
      "cniArgs",
      "limits.maxCniArgsBytes",
    ]);
    expect(err.message).toMatch(/the request's 1 pairs and the daemon's K8S_POD_\* pairs\) are \d+ bytes/);
    expect(() => checkAttachRequest({ ...base, cniArgs }, limits)).not.toThrow();
  });

  it("accepts the longest identity a request may carry at the lowest limit", () => {
    const longest: ResolveRequest = {
      ...base,
      containerId: "c".repeat(240),
      pod: { namespace: "n".repeat(63), name: "p".repeat(253), uid: "u".repeat(MAX_POD_UID_LENGTH) },
    };
    expect(() => checkAttachRequest(longest, { ...limits, maxContainerIdLength: 240 })).not.toThrow();
  });

  it("keeps CNI_ARGS below Linux's 128 KiB per environment string at the highest limit", () => {
    const highest = { ...DEFAULT_INPUT_LIMITS, maxCniArgsBytes: 120 * 1024, maxContainerIdLength: 240 };
    const req: ResolveRequest = {
      ...base,
      containerId: "c".repeat(240),
      pod: { namespace: "n".repeat(63), name: "p".repeat(253), uid: "u".repeat(MAX_POD_UID_LENGTH) },
      cniArgs: [["BIG", "v".repeat(120 * 1024 - 800)]],
    };
    checkAttachRequest(req, highest);
    expect(Buffer.byteLength(`CNI_ARGS=${formatCniArgs(delegateCniArgs(req))}`) + 1).toBeLessThan(128 * 1024);
  });
});

describe("checkAttachRequest: cniVersion", () => {
  it.each(["", "0.1.0", "0.4.0", "1.1.0"])("accepts %j (empty: the config's own)", (cniVersion) => {
    expect(() => checkAttachRequest({ ...base, cniVersion }, DEFAULT_INPUT_LIMITS)).not.toThrow();
  });

  it.each(["9.9.9", "1.0", "latest"])("refuses %j, naming it and the supported versions", (cniVersion) => {
    const err = refusal({ ...base, cniVersion });
    expect([err.code, err.context.source]).toEqual(["INCOMPATIBLE_CNI_VERSION", "cniVersion"]);
    expect(err.message).toBe(
      `cniVersion "${cniVersion}" is not a CNI version netattachd supports (0.1.0, 0.2.0, 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0); refused before running any plugin`,
    );
  });
});

describe("checkAttachRequest: runtimeConfig, by the rules of the annotation's options", () => {
  const withRc = (runtimeConfig: RuntimeCapabilities): ResolveRequest => ({ ...base, runtimeConfig });

  it("accepts what containerd sends, its Go-struct casing in extra included", () => {
    const rc: RuntimeCapabilities = {
      portMappings: [{ hostPort: 8080, containerPort: 80, protocol: "tcp", hostIP: "10.0.0.1" }],
      // containerd's 0: the egress annotation is not set.
      bandwidth: { ingressRate: 1000, ingressBurst: 4294967295, egressRate: 0, egressBurst: 0 },
      dns: { servers: ["10.96.0.10", "fd00::10"], searches: ["svc.cluster.local"], options: ["ndots:5"] },
      ips: ["10.1.1.5/24", "fd00::5"],
      mac: "02:00:00:00:00:01",
      cgroupPath: "/kubepods/pod1",
      extra: { PortMappings: [{ HostPort: 53, ContainerPort: 53, Protocol: "udp" }], "io.example/x": { any: 1 } },
    };
    expect(() => checkAttachRequest(withRc(rc), DEFAULT_INPUT_LIMITS)).not.toThrow();
  });

  it("refuses more runtimeConfig portMappings than limits.maxPortMappings with LIMIT_EXCEEDED, typed or in extra", () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => ({ hostPort: 1000 + i, containerPort: 80 }));
    const limits = { ...DEFAULT_INPUT_LIMITS, maxPortMappings: 2 };
    expect(() => checkAttachRequest(withRc({ portMappings: many(2) }), limits)).not.toThrow();
    const typed = refusal(withRc({ portMappings: many(3) }), limits);
    expect([typed.code, typed.context.source, typed.context.limit, typed.message]).toEqual([
      "LIMIT_EXCEEDED",
      "runtimeConfig.portMappings",
      "limits.maxPortMappings",
      "runtimeConfig.portMappings has 3 entries: over limits.maxPortMappings (2)",
    ]);
    const extra = refusal(withRc({ extra: { PortMappings: many(3) } }), limits);
    expect(extra.message).toBe("runtimeConfig.extra.PortMappings has 3 entries: over limits.maxPortMappings (2)");
    expect(refusal(withRc({ portMappings: many(65) })).message).toContain("over limits.maxPortMappings (64)");
  });

  it("a DEL with nothing saved takes the configured limits.maxPortMappings too: what an ADD accepted, its DEL releases", () => {
    const many = Array.from({ length: 100 }, (_, i) => ({ hostPort: 1000 + i, containerPort: 80 }));
    const limits = { ...DEFAULT_INPUT_LIMITS, maxPortMappings: 100 };
    const del = { ...base, containerId: "c1", netns: "", runtimeConfig: { portMappings: many } };
    expect(() => checkAttachRequest(del, limits)).not.toThrow();
    expect(() => checkUnrecordedDetach(del, limits)).not.toThrow();
    expect(() => checkUnrecordedDetach(del, DEFAULT_INPUT_LIMITS)).toThrow("over limits.maxPortMappings (64)");
  });

  it.each<[string, RuntimeCapabilities, string, string]>([
    [
      "containerPort 0",
      { portMappings: [{ hostPort: 8080, containerPort: 0 }] },
      "runtimeConfig",
      '"portMappings" entry 1: containerPort must be a port number 1-65535, got 0',
    ],
    [
      "hostPort 70000",
      { portMappings: [{ hostPort: 70000, containerPort: 80 }] },
      "runtimeConfig",
      '"portMappings" entry 1: hostPort must be a port number 1-65535, got 70000',
    ],
    [
      "an unknown protocol",
      { portMappings: [{ hostPort: 80, containerPort: 80, protocol: "bogus" }] },
      "runtimeConfig",
      '"portMappings" entry 1: protocol must be tcp, udp or sctp, got "bogus"',
    ],
    [
      "a hostIP that is no address",
      { portMappings: [{ hostPort: 80, containerPort: 80, hostIP: "x" }] },
      "runtimeConfig",
      '"portMappings" entry 1: hostIP is not an IP address: "x"',
    ],
    [
      "ips that are no address",
      { ips: ["not-an-ip"] },
      "runtimeConfig",
      '"ips" entry 1 is not an IP address or CIDR: "not-an-ip"',
    ],
    ["a bad mac", { mac: "zz" }, "runtimeConfig", '"mac" is not a MAC address: "zz"'],
    [
      "a mac of 8 bytes",
      { mac: "02:11:22:33:44:55:66:77" },
      "runtimeConfig",
      '"mac" has 8 bytes, not the 6 of an Ethernet MAC (xx:xx:xx:xx:xx:xx; an InfiniBand GUID goes in "infiniband-guid"): "02:11:22:33:44:55:66:77"',
    ],
    [
      "a burst without its rate",
      { bandwidth: { ingressRate: 0, ingressBurst: 100 } },
      "runtimeConfig",
      '"bandwidth".ingressBurst requires ingressRate',
    ],
    [
      "a burst over the bandwidth plugin's 4 GiB",
      { bandwidth: { egressRate: 1000000, egressBurst: 34359738368 } },
      "runtimeConfig",
      '"bandwidth".egressBurst 34359738368 with egressRate 1000000 is over the plugin\'s 4 GiB (at most 34359738359 bits)',
    ],
    [
      "a negative rate in extra",
      { extra: { bandwidth: { egressRate: -1 } } },
      "runtimeConfig.extra",
      '"bandwidth".egressRate must be an integer of at least 8 (the plugin counts whole bytes), got -1',
    ],
    [
      "a name server that is no address",
      { dns: { servers: ["ns1"] } },
      "runtimeConfig",
      '"dns.servers" entry 1 is not an IP address: "ns1"',
    ],
    [
      "portMappings in extra that are no list",
      { extra: { portMappings: "bogus" } },
      "runtimeConfig.extra",
      '"portMappings" must be an array, got "bogus"',
    ],
    [
      "containerd's casing in extra with containerPort 0",
      { extra: { PortMappings: [{ HostPort: 8080, ContainerPort: 0 }] } },
      "runtimeConfig.extra",
      '"portMappings" entry 1: containerPort must be a port number 1-65535, got 0',
    ],
    [
      "a deviceID in extra that is a path",
      { extra: { deviceID: "../../../tmp/fakepci" } },
      "runtimeConfig.extra",
      `"deviceID" must be a PCI address (domain:bus:device.function, e.g. 0000:03:00.1) or a device name of letters, digits, '_', '-' and '.' (e.g. mlx5_core.sf.4), not a path, got "../../../tmp/fakepci"`,
    ],
    [
      "dns in extra that is no object",
      { extra: { DNS: "x" } },
      "runtimeConfig.extra",
      '"dns" must be a JSON object, got "x"',
    ],
  ])("refuses %s before any plugin runs, naming the field", (_what, rc, field, problem) => {
    const err = refusal(withRc(rc));
    expect([err.code, err.context.source, err.message]).toEqual(["INVALID_REQUEST", field, `${field}: ${problem}`]);
  });
});
