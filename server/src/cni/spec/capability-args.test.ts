import { describe, expect, it } from "vitest";
import { filterCapabilityArgs } from "./capability-args.js";

describe("filterCapabilityArgs", () => {
  const offered = {
    portMappings: [{ hostPort: 8080, containerPort: 80, protocol: "tcp" }],
    mac: "c2:11:22:33:44:55",
    ips: ["10.1.2.3/24"],
  };

  it("keeps only capabilities declared true", () => {
    expect(filterCapabilityArgs({ portMappings: true, mac: false, ips: "yes" }, offered)).toEqual({
      portMappings: [{ hostPort: 8080, containerPort: 80, protocol: "tcp" }],
    });
  });

  it("returns undefined for an empty intersection or missing inputs", () => {
    expect(filterCapabilityArgs({ bandwidth: true }, offered)).toBeUndefined();
    expect(filterCapabilityArgs({}, offered)).toBeUndefined();
    expect(filterCapabilityArgs(undefined, offered)).toBeUndefined();
    expect(filterCapabilityArgs(["portMappings"], offered)).toBeUndefined();
    expect(filterCapabilityArgs({ portMappings: true }, undefined)).toBeUndefined();
  });

  it("matches keys case-insensitively and spells them as the plugin declared", () => {
    expect(filterCapabilityArgs({ PortMappings: true, MAC: true }, { portmappings: [], mac: "aa" })).toEqual({
      PortMappings: [],
      MAC: "aa",
    });
  });

  it("prefers the exact-case key over a differently cased duplicate", () => {
    expect(filterCapabilityArgs({ mac: true }, { MAC: "wrong", mac: "right" })).toEqual({ mac: "right" });
  });

  it("normalises containerd's Go-struct casing of portMappings, bandwidth and dns", () => {
    const containerd = {
      portMappings: [{ HostPort: 8080, ContainerPort: 80, Protocol: "tcp", HostIP: "0.0.0.0" }],
      bandwidth: { IngressRate: 1000, IngressBurst: 4294967295, EgressRate: 2000, EgressBurst: 4294967295 },
      dns: { Servers: ["10.96.0.10"], Searches: ["svc.cluster.local"], Options: ["ndots:5"] },
      "io.kubernetes.cri.pod-annotations": { "a/b": "c" },
    };
    const caps = { portMappings: true, bandwidth: true, dns: true, "io.kubernetes.cri.pod-annotations": true };
    expect(filterCapabilityArgs(caps, containerd)).toEqual({
      portMappings: [{ hostPort: 8080, containerPort: 80, protocol: "tcp", hostIP: "0.0.0.0" }],
      bandwidth: { ingressRate: 1000, ingressBurst: 4294967295, egressRate: 2000, egressBurst: 4294967295 },
      dns: { servers: ["10.96.0.10"], searches: ["svc.cluster.local"], options: ["ndots:5"] },
      "io.kubernetes.cri.pod-annotations": { "a/b": "c" },
    });
  });

  it("passes unknown keys inside known values and unknown capabilities through unchanged", () => {
    const args = { bandwidth: { ingressRate: 1, Extra: true }, custom: { HostPort: 1 } };
    expect(filterCapabilityArgs({ bandwidth: true, custom: true }, args)).toEqual({
      bandwidth: { ingressRate: 1, Extra: true },
      custom: { HostPort: 1 },
    });
  });

  it("does not mutate its input", () => {
    const args = { portMappings: [{ HostPort: 1, ContainerPort: 2, Protocol: "udp" }] };
    const copy = structuredClone(args);
    filterCapabilityArgs({ portMappings: true }, args);
    expect(args).toEqual(copy);
  });
});
