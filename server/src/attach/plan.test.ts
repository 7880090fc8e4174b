import { describe, expect, it } from "vitest";
import { isDaemonError, type DaemonError } from "../errors/daemon-error.js";
import { buildPlan } from "./plan.js";
import { findInPath } from "../cni/index.js";
import { createPluginFinder, verifyPlugins } from "./plugin-check.js";
import { conf, conflist, network, request, allPluginsFound, rejection } from "./testing.test-helper.js";

function planError(fn: () => unknown): DaemonError {
  try {
    fn();
  } catch (err) {
    if (isDaemonError(err)) return err;
    throw err;
  }
  throw new Error("expected a DaemonError");
}

const cluster = network(
  "cluster",
  "cbr0",
  conflist("cbr0", [{ type: "bridge" }, { type: "portmap", capabilities: { portMappings: true } }]),
);
const macvlan = network("selected", "default/macvlan-conf", conf("macvlan-conf", "macvlan"));
const ptp = network("selected", "default/ptp-conf", conf("ptp-conf", "ptp"));

describe("interface names", () => {
  it("gives the cluster network the primary name and the rest net<position>", () => {
    const plan = buildPlan(request(), [cluster, macvlan, ptp]);
    expect(plan.delegates.map((d) => [d.network, d.ifName, d.isDefault])).toEqual([
      ["cbr0", "eth0", true],
      ["default/macvlan-conf", "net1", false],
      ["default/ptp-conf", "net2", false],
    ]);
  });

  it("honours explicit names, which still use up their index", () => {
    const named = network("selected", "default/macvlan-conf", conf("macvlan-conf", "macvlan"), {
      interface: "macvlan1",
    });
    const plan = buildPlan(request(), [cluster, named, ptp]);
    expect(plan.delegates.map((d) => d.ifName)).toEqual(["eth0", "macvlan1", "net2"]);
  });

  it("rejects a duplicate name, naming both networks and the name", () => {
    const a = network("selected", "default/macvlan-conf", conf("macvlan-conf", "macvlan"), { interface: "data0" });
    const b = network("selected", "default/ptp-conf", conf("ptp-conf", "ptp"), { interface: "data0" });
    const err = planError(() => buildPlan(request(), [cluster, a, b]));
    expect(err.code).toBe("INTERFACE_CONFLICT");
    expect(err.message).toContain('"data0"');
    expect(err.message).toContain("default/macvlan-conf");
    expect(err.message).toContain("default/ptp-conf");
    expect(err.context.ifName).toBe("data0");
  });

  it("refuses \"lo\", as a network's interface and as the primary one: the netns's loopback cannot be created or removed", () => {
    const lo = network("selected", "default/macvlan-conf", conf("macvlan-conf", "macvlan"), { interface: "lo" });
    const err = planError(() => buildPlan(request(), [cluster, lo]));
    expect([err.code, err.context.ifName]).toEqual(["INTERFACE_CONFLICT", "lo"]);
    expect(err.message).toMatch(/asks for interface "lo", which is the namespace's loopback/);
    const primary = planError(() => buildPlan({ ...request(), primaryIfName: "lo" }, [cluster]));
    expect(primary.code).toBe("INVALID_REQUEST");
  });

  it("rejects an explicit name that collides with a generated one", () => {
    const b = network("selected", "default/ptp-conf", conf("ptp-conf", "ptp"), { interface: "net1" });
    const err = planError(() => buildPlan(request(), [cluster, macvlan, b]));
    expect(err.code).toBe("INTERFACE_CONFLICT");
    expect(err.message).toContain("default/macvlan-conf");
    expect(err.message).toContain("default/ptp-conf");
  });

  it.each([["sixteen-chars-xx"], ["a/b"], ["a b"], ["a:b"], [".."], ["n%d"]])("rejects the invalid name %j", (name) => {
    const bad = network("selected", "default/macvlan-conf", conf("macvlan-conf", "macvlan"), { interface: name });
    const err = planError(() => buildPlan(request(), [cluster, bad]));
    expect(err.code).toBe("INTERFACE_CONFLICT");
    expect(err.message).toContain("default/macvlan-conf");
    expect(err.message).toContain(name);
  });

  it("accepts a 15-character name", () => {
    const ok = network("selected", "default/macvlan-conf", conf("macvlan-conf", "macvlan"), {
      interface: "fifteen-chars-x",
    });
    expect(buildPlan(request(), [cluster, ok]).delegates[1]!.ifName).toBe("fifteen-chars-x");
  });

  it("rejects an invalid primary interface name as a bad request", () => {
    expect(planError(() => buildPlan(request({ primaryIfName: "" }), [cluster])).code).toBe("INVALID_REQUEST");
  });

  it("rejects a primary name with '%': the kernel would create a0 for a%d, which the rollback's DEL of a%d misses", () => {
    const err = planError(() => buildPlan(request({ primaryIfName: "a%d" }), [cluster]));
    expect([err.code, err.context.ifName]).toEqual(["INVALID_REQUEST", "a%d"]);
    expect(err.message).toContain(`primary interface name "a%d" contains '%'`);
  });
});

describe("capability args", () => {
  const tuning = conflist("mv", [
    { type: "macvlan", capabilities: { mac: true } },
    { type: "tuning", capabilities: { mac: true, ips: false } },
  ]);

  it("puts a selection's options into its own delegate's runtimeConfig only", () => {
    const mv = network("selected", "default/mv", tuning, { mac: "c2:11:22:33:44:55" });
    const plan = buildPlan(request(), [cluster, mv, ptp]);
    expect(plan.delegates[1]!.capabilityArgs).toEqual({ mac: "c2:11:22:33:44:55" });
    expect(plan.delegates[0]!.capabilityArgs).toEqual({});
    expect(plan.delegates[2]!.capabilityArgs).toEqual({});
  });

  it.each([
    ["ips", { ips: ["10.1.1.5/24"] }, "ips", "ips"],
    ["mac", { mac: "c2:11:22:33:44:55" }, "mac", "mac"],
    ["portMappings", { portMappings: [{ hostPort: 8080, containerPort: 80 }] }, "portMappings", "portMappings"],
    ["bandwidth", { bandwidth: { ingressRate: 1000, ingressBurst: 10 } }, "bandwidth", "bandwidth"],
    ["infiniband-guid", { infinibandGuid: "c2:11:22:33:44:55:66:77" }, "infiniband-guid", "infinibandGUID"],
    ["deviceID", { deviceId: "0000:04:00.5" }, "deviceID", "deviceID"],
  ])("fails with CAPABILITY_MISSING for %s when no plugin declares it", (_label, selection, option, capability) => {
    const mv = network(
      "selected",
      "default/mv",
      conflist("mv", [{ type: "macvlan" }, { type: "tuning", capabilities: { [capability]: false } }]),
      selection,
    );
    const err = planError(() => buildPlan(request(), [cluster, mv]));
    expect(err.code).toBe("CAPABILITY_MISSING");
    expect(err.message).toContain("default/mv");
    expect(err.message).toContain(`"${option}"`);
    expect(err.message).toContain("macvlan, tuning");
    expect(err.context.network).toBe("default/mv");
  });

  it("refuses more portMappings than limits.maxPortMappings with LIMIT_EXCEEDED, naming the network", () => {
    const pm = network(
      "selected",
      "default/pm",
      conflist("pm", [{ type: "ptp" }, { type: "portmap", capabilities: { portMappings: true } }]),
      {
        portMappings: Array.from({ length: 4 }, (_, i) => ({ hostPort: 8000 + i, containerPort: 80 })),
      },
    );
    expect(
      buildPlan(request(), [cluster, pm], { maxPortMappings: 4 }).delegates[1]!.capabilityArgs["portMappings"],
    ).toHaveLength(4);
    const err = planError(() => buildPlan(request(), [cluster, pm], { maxPortMappings: 3 }));
    expect([err.code, err.context.network, err.context.limit]).toEqual([
      "LIMIT_EXCEEDED",
      "default/pm",
      "limits.maxPortMappings",
    ]);
    expect(err.message).toBe('network "default/pm": its "portMappings" has 4 entries: over limits.maxPortMappings (3)');
  });

  it("maps infiniband-guid and deviceID to their capability names", () => {
    const ib = network(
      "selected",
      "default/ib",
      conf("ib", "ib-sriov", { capabilities: { infinibandGUID: true, deviceID: true } }),
      {
        infinibandGuid: "c2:11:22:33:44:55:66:77",
        deviceId: "0000:04:00.5",
      },
    );
    expect(buildPlan(request(), [cluster, ib]).delegates[1]!.capabilityArgs).toEqual({
      infinibandGUID: "c2:11:22:33:44:55:66:77",
      deviceID: "0000:04:00.5",
    });
  });

  it("gives the runtime's runtimeConfig to the cluster network only", () => {
    const runtimeConfig = {
      portMappings: [{ hostPort: 80, containerPort: 8080, protocol: "tcp" }],
      bandwidth: { ingressRate: 1 },
      dns: { servers: ["1.1.1.1"] },
      cgroupPath: "/kubepods/pod1",
      extra: { "io.kubernetes.cri.pod-annotations": { a: "b" } },
    };
    const plan = buildPlan(request({ runtimeConfig }), [cluster, macvlan]);
    expect(plan.delegates[0]!.capabilityArgs).toEqual({
      portMappings: runtimeConfig.portMappings,
      bandwidth: runtimeConfig.bandwidth,
      dns: runtimeConfig.dns,
      cgroupPath: "/kubepods/pod1",
      "io.kubernetes.cri.pod-annotations": { a: "b" },
    });
    expect(plan.delegates[1]!.capabilityArgs).toEqual({});
  });

  it("merges cni-args into every plugin's args.cni, the annotation's keys winning", () => {
    const list = conflist("mv", [{ type: "macvlan", args: { cni: { keep: 1, over: "config" } } }, { type: "tuning" }]);
    const mv = network("selected", "default/mv", list, { cniArgs: { over: "annotation", extra: true } });
    const plugins = buildPlan(request(), [cluster, mv]).delegates[1]!.config["plugins"] as Array<
      Record<string, unknown>
    >;
    expect(plugins[0]!["args"]).toEqual({ cni: { keep: 1, over: "annotation", extra: true } });
    expect(plugins[1]!["args"]).toEqual({ cni: { over: "annotation", extra: true } });
  });

  it("keeps unknown keys of the config untouched", () => {
    const mv = network(
      "selected",
      "default/mv",
      conf("mv", "macvlan", { master: "eth9", "vendor.example/key": { deep: [1] } }),
    );
    const plugin = (
      buildPlan(request(), [cluster, mv]).delegates[1]!.config["plugins"] as Array<Record<string, unknown>>
    )[0]!;
    expect(plugin["master"]).toBe("eth9");
    expect(plugin["vendor.example/key"]).toEqual({ deep: [1] });
  });
});

describe("CNI_ARGS", () => {
  it("carries the pod identity plus the runtime's args, without duplicate keys", () => {
    const plan = buildPlan(
      request({
        cniArgs: [
          ["K8S_POD_NAME", "other"],
          ["FOO", "bar"],
        ],
      }),
      [cluster, macvlan],
    );
    expect(plan.delegates[1]!.cniArgs).toEqual([
      ["IgnoreUnknown", "1"],
      ["K8S_POD_NAMESPACE", "default"],
      ["K8S_POD_NAME", "web"],
      ["K8S_POD_INFRA_CONTAINER_ID", "c1"],
      ["K8S_POD_UID", "uid-1"],
      ["FOO", "bar"],
    ]);
  });
});

describe("default-route", () => {
  it("keeps the chosen gateways on their delegate", () => {
    const mv = network("selected", "default/mv", conf("mv", "macvlan"), { defaultRoute: ["10.5.0.1", "fd00::1"] });
    expect(buildPlan(request(), [cluster, mv]).delegates[1]!.defaultRoute).toEqual(["10.5.0.1", "fd00::1"]);
  });

  it("rejects two default gateways of one family, naming both networks", () => {
    const a = network("selected", "default/a", conf("a", "macvlan"), { defaultRoute: ["10.5.0.1"] });
    const b = network("selected", "default/b", conf("b", "ptp"), { defaultRoute: ["10.6.0.1"] });
    const err = planError(() => buildPlan(request(), [cluster, a, b]));
    expect(err.code).toBe("DEFAULT_ROUTE_CONFLICT");
    expect(err.message).toContain('"default/a"');
    expect(err.message).toContain('"default/b"');
    // An IPv4-mapped gateway is IPv4 (the plugins and netlink take its To4()).
    const mapped = network("selected", "default/b", conf("b", "ptp"), { defaultRoute: ["::ffff:10.6.0.1"] });
    expect(planError(() => buildPlan(request(), [cluster, a, mapped])).message).toBe(
      'two IPv4 default gateways requested: 10.5.0.1 by network "default/a" and ::ffff:10.6.0.1 by network "default/b"',
    );
  });

  it("allows one IPv4 and one IPv6 gateway on different networks", () => {
    const a = network("selected", "default/a", conf("a", "macvlan"), { defaultRoute: ["10.5.0.1"] });
    const b = network("selected", "default/b", conf("b", "ptp"), { defaultRoute: ["fd00::1"] });
    expect(buildPlan(request(), [cluster, a, b]).delegates).toHaveLength(3);
  });

  it("rejects a gateway that is not an IP", () => {
    const a = network("selected", "default/a", conf("a", "macvlan"), { defaultRoute: ["gateway"] });
    expect(planError(() => buildPlan(request(), [cluster, a])).code).toBe("INVALID_ANNOTATION");
  });
});

describe("config validation", () => {
  it("fails with INVALID_NETWORK_CONFIG naming the network and its source", () => {
    const bad = network("selected", "default/bad", { cniVersion: "1.0.0", name: "bad", plugins: [] });
    const err = planError(() => buildPlan(request(), [cluster, bad]));
    expect(err.code).toBe("INVALID_NETWORK_CONFIG");
    expect(err.message).toContain("default/bad");
    expect(err.context.network).toBe("default/bad");
    expect(err.context.source).toBe("NetworkAttachmentDefinition default/bad (/nads/bad.yaml)");
    expect(err.cause).toBeDefined();
  });
});

describe("plugin binaries", () => {
  it("fails with PLUGIN_NOT_FOUND naming network, plugin and dirs, IPAM plugins included", async () => {
    const mv = network("selected", "default/mv", conf("mv", "macvlan", { ipam: { type: "static" } }));
    const plan = buildPlan(request(), [cluster, mv]);
    const seen: string[] = [];
    const err = await rejection(
      verifyPlugins(plan, async (type) => {
        seen.push(type);
        return type === "static" ? { searched: ["/opt/cni/bin", "/usr/lib/cni"] } : { found: `/x/${type}` };
      }),
    );
    expect(err.code).toBe("PLUGIN_NOT_FOUND");
    expect(err.message).toContain('"default/mv"');
    expect(err.message).toContain('"static"');
    expect(err.message).toContain("/opt/cni/bin, /usr/lib/cni");
    expect(err.context.plugin).toBe("static");
    expect(seen).toEqual(["bridge", "portmap", "macvlan", "static"]);
  });

  it.each([
    ["plugin", "../../../bin/sh", {}],
    ["IPAM", "..", { ipam: { type: ".." } }],
  ])(
    "refuses a path-traversing %s type %j as INVALID_NETWORK_CONFIG, not a missing binary",
    async (what, type, extra) => {
      const mv = network("selected", "default/mv", conf("mv", what === "plugin" ? type : "macvlan", extra));
      const err = await rejection(
        verifyPlugins(buildPlan(request(), [mv]), createPluginFinder({ findInPath }, ["/usr/lib/cni"])),
      );
      expect(err.code).toBe("INVALID_NETWORK_CONFIG");
      expect(err.message).toBe(
        `network "default/mv" (net0): PLAN refused before running plugin ${JSON.stringify(type)} (CNI code 7): ` +
          `invalid plugin type ${JSON.stringify(type)}; a type is a file name: it must not be empty or contain '/', '\\' or '..'`,
      );
      expect(err.context).toMatchObject({ network: "default/mv", plugin: type, phase: "plan", cniCode: 7 });
    },
  );

  it("passes when every binary exists", async () => {
    await expect(verifyPlugins(buildPlan(request(), [cluster, macvlan]), allPluginsFound)).resolves.toBeUndefined();
  });
});
