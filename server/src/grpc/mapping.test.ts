import { describe, expect, it } from "vitest";
import { AttachmentHistoryEvent, AttachmentPhase } from "../../../proto/gen/netattach/v1/attachment.js";
import {
  AttachNetworksRequest,
  DetachNetworksRequest,
  GarbageCollectResponse,
  ResolveNetworksRequest,
} from "../../../proto/gen/netattach/v1/attachment_service.js";
import { ConfigFrom } from "../../../proto/gen/netattach/v1/plan.js";
import { DaemonError } from "../errors/daemon-error.js";
import {
  attachRequestFromProto,
  attachResultToProto,
  attachmentToProto,
  detachRequestFromProto,
  gcResultToProto,
  originToProto,
  planToProto,
  resolveRequestFromProto,
  statusToProto,
} from "./mapping.js";

const base = AttachNetworksRequest.fromPartial({
  containerId: "c1",
  netnsPath: "/n",
  pod: { namespace: "ns", name: "p", uid: "u" },
});

describe("attachRequestFromProto", () => {
  it("maps the minimum; absent annotations stay absent (ask the pod source); eth0 by default", () => {
    expect(attachRequestFromProto(base)).toEqual({
      containerId: "c1",
      netns: "/n",
      pod: { namespace: "ns", name: "p", uid: "u" },
      primaryIfName: "eth0",
    });
  });

  it("present-but-empty annotations are kept as {}", () => {
    expect(attachRequestFromProto({ ...base, annotations: { values: {} } }).annotations).toEqual({});
  });

  it("maps every selection field; default-route presence survives (empty = remove default routes)", () => {
    const req = AttachNetworksRequest.fromPartial({
      ...base,
      selections: [
        {
          name: "blue",
          namespace: "ns2",
          interface: "data0",
          ips: ["10.0.0.5/24"],
          mac: "02:00:00:00:00:01",
          defaultRoute: { gateways: ["10.0.0.1"] },
          portMappings: [{ hostPort: 8080, containerPort: 80, protocol: "tcp", hostIp: "" }],
          bandwidth: { ingressRate: 1000, egressBurst: 10 },
          cniArgsJson: '{"foo":"bar","n":1}',
          infinibandGuid: "c2:11:22:33:44:55:66:77",
          deviceId: "0000:00:1f.0",
          ipamClaimReference: "claim",
        },
        { name: "red", defaultRoute: { gateways: [] } },
      ],
    });
    expect(attachRequestFromProto(req).selections).toEqual([
      {
        name: "blue",
        namespace: "ns2",
        interface: "data0",
        ips: ["10.0.0.5/24"],
        mac: "02:00:00:00:00:01",
        defaultRoute: ["10.0.0.1"],
        portMappings: [{ hostPort: 8080, containerPort: 80, protocol: "tcp" }],
        bandwidth: { ingressRate: 1000, egressBurst: 10 },
        cniArgs: { foo: "bar", n: 1 },
        infinibandGuid: "c2:11:22:33:44:55:66:77",
        deviceId: "0000:00:1f.0",
        ipamClaimReference: "claim",
      },
      { name: "red", defaultRoute: [] },
    ]);
  });

  it("maps runtime config, CNI_ARGS and the wanted version", () => {
    const req = AttachNetworksRequest.fromPartial({
      ...base,
      primaryInterface: "eth9",
      runtimeConfig: {
        portMappings: [{ hostPort: 1, containerPort: 2, protocol: "udp", hostIp: "127.0.0.1" }],
        dns: { servers: ["1.1.1.1"] },
        ips: ["10.1.1.1"],
        mac: "m",
        cgroupPath: "/cg",
        extraJson: '{"io.kubernetes.cri.pod-annotations":{"a":"b"}}',
      },
      cniArgs: [{ key: "K", value: "V" }],
      cniVersion: "0.4.0",
    });
    expect(attachRequestFromProto(req)).toMatchObject({
      primaryIfName: "eth9",
      runtimeConfig: {
        portMappings: [{ hostPort: 1, containerPort: 2, protocol: "udp", hostIP: "127.0.0.1" }],
        dns: { servers: ["1.1.1.1"], searches: [], options: [] },
        ips: ["10.1.1.1"],
        mac: "m",
        cgroupPath: "/cg",
        extra: { "io.kubernetes.cri.pod-annotations": { a: "b" } },
      },
      cniArgs: [["K", "V"]],
      cniVersion: "0.4.0",
    });
  });

  it.each([
    ["not JSON", "{nope", "selections[0].cni_args_json is not valid JSON"],
    ["not an object", "[1]", "selections[0].cni_args_json must be a JSON object"],
  ])("a cni_args_json that is %s → INVALID_REQUEST naming the field", (_what, text, message) => {
    const req = AttachNetworksRequest.fromPartial({ ...base, selections: [{ name: "x", cniArgsJson: text }] });
    const err = (() => {
      try {
        attachRequestFromProto(req);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(DaemonError);
    expect((err as DaemonError).code).toBe("INVALID_REQUEST");
    expect((err as DaemonError).message).toContain(message);
  });

  it("ResolveNetworks needs no sandbox: empty container id and netns are left out, given ones kept", () => {
    const r = resolveRequestFromProto(ResolveNetworksRequest.fromPartial({ pod: { namespace: "ns", name: "p" } }));
    expect(r).not.toHaveProperty("containerId");
    expect(r).not.toHaveProperty("netns");
    const named = resolveRequestFromProto(
      ResolveNetworksRequest.fromPartial({
        pod: { namespace: "ns", name: "p" },
        containerId: "c1",
        netnsPath: "/run/netns/x",
      }),
    );
    expect(named).toMatchObject({ containerId: "c1", netns: "/run/netns/x" });
  });
});

describe("detachRequestFromProto", () => {
  it("never fails on a runtime_config that does not read: a DEL with a saved attachment does not need it; the error is carried for a DEL with nothing saved", () => {
    const req = DetachNetworksRequest.fromPartial({
      containerId: "c1",
      netnsPath: "/n",
      primaryInterface: "eth0",
      runtimeConfig: { extraJson: "{not json" },
    });
    const mapped = detachRequestFromProto(req);
    expect(mapped).toMatchObject({ containerId: "c1", netns: "/n", primaryIfName: "eth0" });
    expect(mapped.runtimeConfig).toBeUndefined();
    expect(mapped.runtimeConfigError).toBeInstanceOf(DaemonError);
    expect(mapped.runtimeConfigError?.message).toMatch(/^runtime_config\.extra_json is not valid JSON/);
  });
});

/** An attachment summary's identity and times, for the cases that map one. */
const SUMMARY_BASE = {
  containerId: "c",
  netns: "/n",
  pod: { namespace: "ns", name: "p", uid: "u" },
  createdAt: "2025-01-02T03:04:05.000Z",
  updatedAt: "2025-01-02T03:04:06.000Z",
};

describe("domain → proto", () => {
  it("carries CNI results as JSON that round-trips exactly", () => {
    const result = {
      cniVersion: "1.0.0",
      interfaces: [{ name: "eth0", mac: "aa", sandbox: "/n" }],
      ips: [{ address: "10.0.0.2/24", gateway: "10.0.0.1", interface: 0 }],
      custom: { keep: [1, 2.5, "x"] },
    };
    const res = attachResultToProto({
      interfaces: [
        {
          network: "cluster",
          ifName: "eth0",
          ips: [{ address: "10.0.0.2/24", gateway: "10.0.0.1" }],
          mac: "aa",
          mtu: 9000,
          isDefault: true,
          dns: { nameservers: ["10.0.0.10"] },
          gateways: ["10.0.0.1"],
          deviceInfo: { type: "pci" },
          result,
        },
      ],
      primaryResult: result,
      networkStatus: [{ name: "cluster", interface: "eth0", ips: ["10.0.0.2"], default: true }],
    });
    expect(JSON.parse(res.interfaces[0]!.delegateResultJson)).toEqual(result);
    expect(JSON.parse(res.primaryResultJson)).toEqual(result);
    expect(res.interfaces[0]).toMatchObject({
      interface: "eth0",
      mtu: 9000,
      dns: { nameservers: ["10.0.0.10"], domain: "", search: [], options: [] },
      deviceInfoJson: '{"type":"pci"}',
    });
    expect(JSON.parse(res.networkStatusJson)).toEqual([
      { name: "cluster", interface: "eth0", ips: ["10.0.0.2"], default: true },
    ]);
  });

  it("maps each origin kind", () => {
    expect(originToProto({ kind: "conf-file", path: "/a" })).toEqual({ confFile: { path: "/a" } });
    expect(
      originToProto({
        kind: "network-attachment-definition",
        namespace: "ns",
        name: "n",
        configFrom: "conf-file",
        confPath: "/c",
      }),
    ).toEqual({
      definition: {
        namespace: "ns",
        name: "n",
        manifestPath: "",
        configFrom: ConfigFrom.CONFIG_FROM_CONF_FILE,
        confPath: "/c",
      },
    });
    expect(originToProto({ kind: "inline", description: "request" })).toEqual({ inline: { description: "request" } });
  });

  it("maps a plan with configs as JSON", () => {
    const out = planToProto({
      containerId: "c",
      netns: "/n",
      pod: { namespace: "ns", name: "p", uid: "u" },
      primaryIfName: "eth0",
      delegates: [
        {
          network: "n",
          ifName: "net1",
          isDefault: false,
          config: { name: "n" },
          capabilityArgs: { mac: "m" },
          cniArgs: [["a", "b"]],
          origin: { kind: "conf-file", path: "/x" },
          defaultRoute: [],
        },
      ],
    });
    expect(out.networks[0]).toEqual({
      network: "n",
      interface: "net1",
      isDefault: false,
      origin: { confFile: { path: "/x" } },
      configJson: '{"name":"n"}',
      capabilityArgsJson: '{"mac":"m"}',
      cniArgs: [{ key: "a", value: "b" }],
      defaultRoute: { gateways: [] },
    });
    expect(out.warnings).toEqual([]);
  });

  it("maps relaxed findings to warnings", () => {
    const plan = {
      containerId: "c",
      netns: "/n",
      pod: { namespace: "ns", name: "p", uid: "u" },
      primaryIfName: "eth0",
      delegates: [],
    };
    const out = planToProto(plan, [
      { code: "DEFAULT_ROUTE_CONFLICT", message: "two IPv4 default routes", networks: ["a", "ns/b"] },
    ]);
    expect(out.warnings).toEqual([
      { reason: "DEFAULT_ROUTE_CONFLICT", message: "two IPv4 default routes", networks: ["a", "ns/b"] },
    ]);
  });

  it("maps status and attachments", () => {
    expect(
      statusToProto({
        ready: false,
        reasons: ["r"],
        warnings: ["w"],
        clusterNetwork: { name: "c", ok: false, cniCode: 50, message: "m" },
      }),
    ).toEqual({
      ready: false,
      reasons: ["r"],
      warnings: ["w"],
      clusterNetwork: { name: "c", ok: false, cniCode: 50, message: "m" },
    });
    expect(statusToProto({ ready: true, reasons: [] }).warnings).toEqual([]);
    const a = attachmentToProto({
      ...SUMMARY_BASE,
      phase: "orphaned",
      cause: "addresses could not be released",
      history: [
        {
          time: "2025-01-02T03:04:06.000Z",
          event: "del-failed",
          network: "n",
          ifName: "eth0",
          plugin: "macvlan",
          reason: "PLUGIN_FAILED",
          message: "Link not found",
        },
      ],
      interfaces: [{ network: "n", ifName: "eth0", ips: ["1.2.3.4/24"], isDefault: true, gateways: ["1.2.3.1"] }],
    });
    expect(a.createTime?.toISOString()).toBe("2025-01-02T03:04:05.000Z");
    expect(a.updateTime?.toISOString()).toBe("2025-01-02T03:04:06.000Z");
    expect(a.interfaces).toEqual([
      { network: "n", interface: "eth0", ips: ["1.2.3.4/24"], mac: "", isDefault: true, gateways: ["1.2.3.1"] },
    ]);
    expect(a.phase).toBe(AttachmentPhase.ATTACHMENT_PHASE_ORPHANED);
    expect(a.cause).toBe("addresses could not be released");
    expect(a.history).toEqual([
      {
        time: new Date("2025-01-02T03:04:06.000Z"),
        event: AttachmentHistoryEvent.ATTACHMENT_HISTORY_EVENT_DEL_FAILED,
        network: "n",
        interface: "eth0",
        plugin: "macvlan",
        reason: "PLUGIN_FAILED",
        message: "Link not found",
        unknownEvent: "",
      },
    ]);
    expect(a.unknownPhase).toBe("");
  });

  it.each(["quiescing", "toString"])(
    "maps a phase (%s) and a history event it does not know to UNSPECIFIED with the saved value beside it",
    (phase) => {
      const a = attachmentToProto({
        ...SUMMARY_BASE,
        phase: phase as "attached",
        history: [
          {
            time: "2025-01-02T03:04:06.000Z",
            event: "migrated" as "cleaned",
            network: "n",
            ifName: "eth0",
            message: "",
          },
          { time: "2025-01-02T03:04:06.000Z", event: "cleaned", network: "n", ifName: "eth0", message: "" },
        ],
        interfaces: [],
      });
      expect([a.phase, a.unknownPhase]).toEqual([AttachmentPhase.ATTACHMENT_PHASE_UNSPECIFIED, phase]);
      expect(a.history.map((h) => [h.event, h.unknownEvent])).toEqual([
        [AttachmentHistoryEvent.ATTACHMENT_HISTORY_EVENT_UNSPECIFIED, "migrated"],
        [AttachmentHistoryEvent.ATTACHMENT_HISTORY_EVENT_CLEANED, ""],
      ]);
    },
  );

  it("maps a GC report item by item, enums by name", () => {
    const res = gcResultToProto({
      removedContainerIds: ["c1"],
      errors: [],
      dryRun: false,
      sources: ["netns existence"],
      notes: ["no container runtime socket at /run/containerd/containerd.sock"],
      items: [
        {
          containerId: "c1",
          pod: { namespace: "ns", name: "p", uid: "u" },
          netns: "/n",
          reason: "netns-gone",
          outcome: "removed",
          interfaces: [{ network: "n", ifName: "eth0", ips: ["1.2.3.4/24"] }],
        },
        {
          containerId: "c2",
          netns: "",
          reason: "stale-cache",
          outcome: "failed",
          interfaces: [{ network: "n", ifName: "net1", ips: [] }],
          message: "DEL failed",
        },
      ],
    });
    expect(GarbageCollectResponse.toJSON(res)).toEqual({
      removedContainerIds: ["c1"],
      report: {
        sources: ["netns existence"],
        notes: ["no container runtime socket at /run/containerd/containerd.sock"],
        items: [
          {
            containerId: "c1",
            pod: { namespace: "ns", name: "p", uid: "u" },
            netnsPath: "/n",
            reason: "GARBAGE_COLLECT_REASON_NETNS_GONE",
            outcome: "GARBAGE_COLLECT_OUTCOME_REMOVED",
            interfaces: [{ network: "n", interface: "eth0", ips: ["1.2.3.4/24"] }],
          },
          {
            containerId: "c2",
            reason: "GARBAGE_COLLECT_REASON_STALE_CACHE",
            outcome: "GARBAGE_COLLECT_OUTCOME_FAILED",
            interfaces: [{ network: "n", interface: "net1" }],
            message: "DEL failed",
          },
        ],
      },
    });
  });
});
