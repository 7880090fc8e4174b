import { describe, expect, it } from "vitest";
import { toAnnotations, toRuntimeConfig } from "./runtime-config.js";

describe("toRuntimeConfig", () => {
  it("reads containerd's capitalised keys like the spec's camelCase ones", () => {
    const fromContainerd = toRuntimeConfig({
      portMappings: [{ HostPort: 8080, ContainerPort: 80, Protocol: "TCP", HostIP: "" }],
      bandwidth: { IngressRate: 1, IngressBurst: 2, EgressRate: 3, EgressBurst: 4 },
      dns: { Servers: ["10.0.0.10"], Searches: ["svc"], Options: ["ndots:5"] },
    });
    const fromSpec = toRuntimeConfig({
      portMappings: [{ hostPort: 8080, containerPort: 80, protocol: "tcp", hostIP: "" }],
      bandwidth: { ingressRate: 1, ingressBurst: 2, egressRate: 3, egressBurst: 4 },
      dns: { servers: ["10.0.0.10"], searches: ["svc"], options: ["ndots:5"] },
    });
    expect(fromContainerd).toEqual(fromSpec);
    expect(fromContainerd?.portMappings).toEqual([{ hostPort: 8080, containerPort: 80, protocol: "tcp", hostIp: "" }]);
  });

  it("keeps ips, mac, cgroupPath, and passes unknown capabilities on as JSON", () => {
    const rc = toRuntimeConfig({
      ips: ["10.1.1.5/24"],
      mac: "c2:11:22:33:44:55",
      cgroupPath: "/kubepods/pod1",
      aliases: ["web"],
      deviceID: "0000:04:00.5",
    });
    expect(rc).toMatchObject({ ips: ["10.1.1.5/24"], mac: "c2:11:22:33:44:55", cgroupPath: "/kubepods/pod1" });
    expect(JSON.parse(rc?.extraJson ?? "")).toEqual({ aliases: ["web"], deviceID: "0000:04:00.5" });
  });

  it("is undefined without runtimeConfig, and empty lists for null capabilities", () => {
    expect(toRuntimeConfig(undefined)).toBeUndefined();
    expect(toRuntimeConfig({ portMappings: null, dns: null })).toEqual({
      portMappings: [],
      bandwidth: undefined,
      dns: undefined,
      ips: [],
      mac: undefined,
      cgroupPath: undefined,
      extraJson: "",
    });
  });

  it.each([
    [{ portMappings: { HostPort: 1 } }, "portMappings"],
    [{ portMappings: [{ HostPort: "80" }] }, "portMappings.hostPort"],
    [{ bandwidth: [1] }, "bandwidth"],
    [{ ips: "10.0.0.1" }, "ips"],
    [{ mac: 5 }, "mac"],
  ])("rejects %j with code 7 naming %s", (rc, key) => {
    expect(() => toRuntimeConfig(rc)).toThrow(
      expect.objectContaining({ code: 7, msg: expect.stringContaining(`"${key}"`) }),
    );
  });
});

describe("toAnnotations", () => {
  it("absent capability → undefined (the daemon asks its pod source)", () => {
    expect(toAnnotations(undefined)).toBeUndefined();
    expect(toAnnotations({ portMappings: [] })).toBeUndefined();
  });

  it("null (containerd, pod without annotations) → sent, empty", () => {
    expect(toAnnotations({ "io.kubernetes.cri.pod-annotations": null })).toEqual({ values: {} });
  });

  it("a map of strings is passed as is; anything else is code 7", () => {
    expect(toAnnotations({ "io.kubernetes.cri.pod-annotations": { a: "1" } })).toEqual({ values: { a: "1" } });
    expect(() => toAnnotations({ "io.kubernetes.cri.pod-annotations": { a: 1 } })).toThrow(
      expect.objectContaining({ code: 7 }),
    );
  });
});
