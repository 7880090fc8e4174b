// The preflight wired into the attachment service: refusals run nothing and save nothing,
// ResolveNetworks answers the same refusals and the relaxed findings, and the results of
// plugins whose routes their config does not say are checked after ADD.
import { setImmediate } from "node:timers/promises";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { CniError, type NetworkConfigList } from "../../cni/index.js";
import type { ResolvedNetwork } from "../../resolve/index.js";
import { createAttachmentService } from "../create-attachment-service.js";
import {
  allPluginsFound,
  recordingLinks,
  anyNetns,
  conf,
  conflist,
  fakeResolver,
  network,
  noClusterPods,
  recordingRoutes,
  recordingRuntime,
  recordingStatusWriter,
  rejection,
  request,
  silentLog,
  tempStore,
  type FailRule,
} from "../testing.test-helper.js";
import type { AttachmentStore } from "../attachment-store.js";
import type { DaemonError } from "../../errors/daemon-error.js";
import type { NodeLinks } from "./node-links.js";
import type { NodeAddressing } from "./node-addressing.js";
import type { HostSockets } from "./host-sockets.js";
import type { DefaultRoutePolicy } from "./default-route-conflicts.js";
import { hostLocal } from "./preflight.test-helper.js";
import { buildPlan } from "../plan.js";
import { createHostPortClaims, type PortLease } from "./host-port-claims.js";
import { HOST_PORT_READS, runPreflight } from "./run-preflight.js";

const temp = tempStore("preflight-");

const ctx = () => ({ signal: new AbortController().signal, log: silentLog });
/** eth0 holds the node's address and default route; PCI device 0000:00:03.0 is eth0, 0000:00:05.0 is ens5. */
const NODE: NodeAddressing = {
  links: [
    { name: "eth0", addresses: ["192.0.2.2/24"], mac: "52:54:00:12:34:56" },
    { name: "ens5", addresses: [], mac: "52:54:00:00:00:05" },
  ],
  defaultRouteLinks: ["eth0"],
};
const DEVICES: Record<string, string[]> = { "0000:00:03.0": ["eth0"], "0000:00:05.0": ["ens5"] };
const links = (names: Record<string, string>): NodeLinks & { reads: number } => {
  const l = {
    reads: 0,
    names: async () => (l.reads++, Object.keys(names)),
    kind: async (n: string) => names[n],
    addressing: async () => NODE,
    deviceLinks: async (id: string) => DEVICES[id] ?? [],
  };
  return l;
};
const cluster = network(
  "cluster",
  "cbr0",
  conflist("cbr0", [{ type: "bridge", bridge: "cni0", isDefaultGateway: true, ipam: hostLocal("10.1.0.0/16") }]),
);
const withDefault = network(
  "selected",
  "default/sec",
  conf("sec", "macvlan", { master: "eth0", ipam: hostLocal("10.2.0.0/24", {}, ["0.0.0.0/0"]) }),
);

function service(
  networks: ResolvedNetwork[],
  o: {
    policy?: DefaultRoutePolicy;
    node?: NodeLinks;
    sockets?: HostSockets;
    /** Networks only a hot-plug selects (the ADD gets `networks`). */
    hotplugOnly?: ResolvedNetwork[];
    validate?: (list: NetworkConfigList) => Promise<void>;
    fail?: FailRule;
    /** The saved attachments the hostPort check reads; the service's store when absent. */
    attachments?: Pick<AttachmentStore, "list">;
    /** The store ADDs save to; the temp store when absent. */
    store?: AttachmentStore;
  } = {},
) {
  const runtime = recordingRuntime(o.fail);
  const validated: string[] = [];
  const svc = createAttachmentService({
    runtime,
    resolver: {
      ...fakeResolver([...networks, ...(o.hotplugOnly ?? [])]),
      resolve: async () => networks,
    },
    podSource: noClusterPods,
    statusWriter: recordingStatusWriter(),
    store: o.store ?? temp.store,
    orphans: temp.orphans,
    links: recordingLinks(),
    routes: recordingRoutes(),
    findPlugin: allPluginsFound,
    netns: anyNetns,
    limits: { maxConcurrent: 4, callTimeoutMs: 60_000 },
    clusterNetwork: () => undefined,
    preflight: {
      nodeLinks: o.node ?? links({ eth0: "device", cni0: "bridge" }),
      validateList: async (list) => {
        validated.push(list.name);
        await o.validate?.(list);
        return [];
      },
      defaultRoutes: o.policy ?? "reject",
      hostSockets: o.sockets ?? { listening: async (p) => (p === "tcp" ? [{ port: 22, address: "0.0.0.0" }] : []) },
      attachments: o.attachments ?? temp.store,
    },
  });
  return { svc, runtime, validated };
}

describe("preflight in attach and resolve", () => {
  it("refuses two default routes in AttachNetworks and ResolveNetworks alike: nothing runs, nothing is saved", async () => {
    const { svc, runtime, validated } = service([cluster, withDefault]);
    const attachErr = await rejection(svc.attach(request(), ctx()));
    const resolveErr = await rejection(svc.resolve(request(), ctx()));
    expect(attachErr.code).toBe("DEFAULT_ROUTE_CONFLICT");
    expect(resolveErr.message).toBe(attachErr.message);
    expect(resolveErr.context).toEqual(attachErr.context);
    expect(runtime.calls).toEqual([]);
    expect(validated).toEqual([]); // config problems are found before any VERSION
    expect(await temp.store.load("c1")).toEqual({ state: "missing" });
  });

  it("relaxed: ResolveNetworks returns the conflict as a warning and the ADD proceeds", async () => {
    const { svc, runtime } = service([cluster, withDefault], { policy: "warn" });
    const resolved = await svc.resolve(request(), ctx());
    expect(resolved.warnings).toEqual([
      expect.objectContaining({ code: "DEFAULT_ROUTE_CONFLICT", networks: ["cbr0", "default/sec"] }),
    ]);
    expect(resolved.warnings[0]!.message).toContain("allowed by defaultRouteConflicts: warn");
    const res = await svc.attach(request(), ctx());
    expect(res.interfaces.map((i) => i.ifName)).toEqual(["eth0", "net1"]);
    expect(runtime.calls.map((c) => c.op)).toEqual(["add", "add"]);
  });

  it("refuses an incompatible plugin version before exec, saying nothing ran and never 'failed on ADD'", async () => {
    const incompatible = new CniError({
      kind: "incompatible-version",
      code: 1,
      msg: 'plugin "bridge" supports CNI versions [0.4.0, 1.0.0], none compatible with the configuration\'s cniVersion 2.0.0',
      plugin: "bridge",
      network: "cbr0",
    });
    const { svc, runtime } = service([cluster], { validate: async () => Promise.reject(incompatible) });
    for (const call of [svc.attach(request(), ctx()), svc.resolve(request(), ctx())]) {
      const err = await rejection(call);
      expect(err.code).toBe("INCOMPATIBLE_CNI_VERSION");
      expect(err.context).toMatchObject({
        network: "cbr0",
        plugin: "bridge",
        phase: "preflight",
        cniCode: 1,
        source: "/etc/cni/net.d/cbr0.conf",
      });
      expect(err.message).toContain("refused before running any plugin");
      expect(err.message).toContain("2.0.0");
      expect(err.message).not.toContain("failed on");
    }
    expect(runtime.calls).toEqual([]);
    expect(await temp.store.load("c1")).toEqual({ state: "missing" });
  });

  it("refuses a missing macvlan master from the node's links, and reads the node once per call", async () => {
    const node = links({ eth0: "device", cni0: "bridge" });
    const missing = network(
      "selected",
      "default/mv",
      conf("mv", "macvlan", { master: "ens9", ipam: hostLocal("10.3.0.0/24") }),
    );
    const { svc, runtime } = service([cluster, missing], { node });
    const err = await rejection(svc.attach(request(), ctx()));
    expect(err.code).toBe("NODE_RESOURCE_INVALID");
    expect(err.message).toContain('plugins[0].master names link "ens9"');
    expect(err.message).toContain("eth0, cni0");
    expect(node.reads).toBe(1);
    expect(runtime.calls).toEqual([]);
    expect(await temp.store.load("c1")).toEqual({ state: "missing" });
  });

  it("checks the results of plugins whose routes their config does not say: a conflict rolls the ADD back", async () => {
    // The fake runtime's results all carry a default route; "calico" does not say so in its config.
    const unknown = network("selected", "default/calico", conf("calico", "calico"));
    const { svc, runtime } = service([cluster, unknown]);
    const err = await rejection(svc.attach(request(), ctx()));
    expect(err.code).toBe("DEFAULT_ROUTE_CONFLICT");
    expect(err.message).toContain('got one from plugin "calico" (its ADD result\'s routes[0].dst=0.0.0.0/0)');
    expect(err.message).toContain("the ADD is rolled back");
    expect(err.context).toMatchObject({ network: "default/calico", phase: "add" });
    expect(runtime.calls.map((c) => `${c.op} ${c.network}`)).toEqual([
      "add cbr0",
      "add calico",
      "del calico",
      "del cbr0",
    ]);
    expect(await temp.store.load("c1")).toEqual({ state: "missing" });
  });

  it("after ADD, a default-route selection still settles the family; relaxed, the conflict is only logged", async () => {
    const unknown = (sel = {}) => network("selected", "default/calico", conf("calico", "calico"), sel);
    await expect(
      service([cluster, unknown({ defaultRoute: ["10.0.2.1"] })]).svc.attach(request(), ctx()),
    ).resolves.toBeDefined();
    const lines: Array<{ level: number; msg: string; reason?: string }> = [];
    const log = pino(
      { level: "warn" },
      { write: (line: string) => lines.push(JSON.parse(line) as (typeof lines)[number]) },
    );
    const res = await service([cluster, unknown()], { policy: "warn" }).svc.attach(request({ containerId: "c2" }), {
      signal: new AbortController().signal,
      log,
    });
    expect(res.interfaces).toHaveLength(2);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 40,
        reason: "DEFAULT_ROUTE_CONFLICT",
        msg: expect.stringContaining("allowed by defaultRouteConflicts: warn"),
      }),
    ]);
  });

  describe("a pod's own options never take the node's interfaces, addresses or ports", () => {
    const hostDevice = (sel: Record<string, unknown>) =>
      network("selected", "default/hd", conf("hd", "host-device", { capabilities: { deviceID: true } }), sel);
    const portmap = (sel: Record<string, unknown>, name = "pm") =>
      network(
        "selected",
        `default/${name}`,
        conflist(name, [
          { type: "ptp", ipam: hostLocal(name === "pm" ? "10.4.0.0/24" : "10.5.0.0/24") },
          { type: "portmap", capabilities: { portMappings: true } },
        ]),
        sel,
      );

    it.each<[string, ResolvedNetwork, string]>([
      [
        "a deviceID whose interface holds the node's address and default route",
        hostDevice({ deviceId: "0000:00:03.0" }),
        "network \"default/hd\" (net1): the pod's \"deviceID\" \"0000:00:03.0\" names the node's interface eth0, which holds the node's address 192.0.2.2/24 and the node's default route; a pod's options never take the node's own interfaces or addresses; refused before running any plugin",
      ],
      [
        "an ips address the node holds",
        network(
          "selected",
          "default/st",
          conf("st", "macvlan", { master: "eth0", capabilities: { ips: true }, ipam: { type: "static" } }),
          { ips: ["192.0.2.2/24"] },
        ),
        'network "default/st" (net1): the pod\'s "ips" entry "192.0.2.2/24" is the node\'s own address 192.0.2.2/24 on eth0;',
      ],
      [
        "a hostPort a host socket listens on",
        portmap({ portMappings: [{ hostPort: 22, containerPort: 80 }] }),
        'network "default/pm" (net1): the pod\'s "portMappings" hostPort 22/tcp is taken: a socket of the node listens on 0.0.0.0:22/tcp;',
      ],
      [
        "a hostPort another network of the pod maps",
        portmap({ portMappings: [{ hostPort: 8080, containerPort: 80, protocol: "TCP" }] }),
        "", // with pm2 below
      ],
    ])("refuses %s as NODE_RESOURCE_INVALID: nothing runs, nothing is saved", async (_what, n, message) => {
      const others = message === "" ? [portmap({ portMappings: [{ hostPort: 8080, containerPort: 81 }] }, "pm2")] : [];
      const { svc, runtime } = service([cluster, n, ...others]);
      for (const call of [() => svc.attach(request(), ctx()), () => svc.resolve(request(), ctx())]) {
        const err = await rejection(call());
        expect(err.code).toBe("NODE_RESOURCE_INVALID");
        expect(err.context).toMatchObject({ network: n.network, ifName: "net1", phase: "preflight" });
        expect(err.message).toContain(
          message ||
            'network "default/pm" (net1): the pod\'s "portMappings" hostPort 8080/tcp is taken: network "default/pm2" (net2) of this pod already maps it;',
        );
      }
      expect(runtime.calls).toEqual([]);
      expect(await temp.store.load("c1")).toEqual({ state: "missing" });
    });

    describe("a host-device config never moves an interface the node uses into the pod", () => {
      const takes = (keys: Record<string, string>) =>
        network("selected", "default/hd", conf("hd", "host-device", keys));
      const node = () => links({ eth0: "device", ens5: "device", cni0: "bridge" });
      const why = "holds the node's address 192.0.2.2/24 and the node's default route";

      it.each<[string, Record<string, string>, string]>([
        ["by name", { device: "eth0" }, `plugins[0].device "eth0" would move into the pod an interface which ${why}`],
        [
          "by PCI address",
          { pciBusID: "0000:00:03.0" },
          `plugins[0].pciBusID "0000:00:03.0" (the node's interface eth0) would move into the pod an interface which ${why}`,
        ],
        [
          "by MAC, however spelled",
          { hwaddr: "52-54-00-12-34-56" },
          `plugins[0].hwaddr "52-54-00-12-34-56" (the node's interface eth0) would move into the pod an interface which ${why}`,
        ],
      ])(
        "refuses one naming it %s as NODE_RESOURCE_INVALID: nothing runs, nothing is saved",
        async (_by, keys, said) => {
          const { svc, runtime } = service([cluster, takes(keys)], { node: node() });
          for (const call of [() => svc.attach(request(), ctx()), () => svc.resolve(request(), ctx())]) {
            const err = await rejection(call());
            expect(err.code).toBe("NODE_RESOURCE_INVALID");
            expect(err.context).toMatchObject({ network: "default/hd", plugin: "host-device", phase: "preflight" });
            expect(err.message).toContain(`network "default/hd" (net1)`);
            expect(err.message).toContain(
              `plugin "host-device" ${said}; a network never takes the node's own interfaces for a pod; refused before running any plugin`,
            );
          }
          expect(runtime.calls).toEqual([]);
          expect(await temp.store.load("c1")).toEqual({ state: "missing" });
        },
      );

      it("refuses a passthru macvlan on an interface the node uses, and passes one on an interface it does not", async () => {
        const passthru = (master: string) =>
          network(
            "selected",
            "default/pt",
            conf("pt", "macvlan", { master, mode: "passthru", ipam: hostLocal("10.8.0.0/24") }),
          );
        const refused = service([cluster, passthru("eth0")], { node: node() });
        const err = await rejection(refused.svc.attach(request(), ctx()));
        expect(err.code).toBe("NODE_RESOURCE_INVALID");
        expect(err.message).toContain(
          `network "default/pt" (net1) in NetworkAttachmentDefinition default/pt (/nads/pt.yaml): plugin "macvlan" plugins[0].master "eth0" with mode "passthru" would give the pod all the traffic of an interface which ${why}; a network never takes the node's own interfaces for a pod; refused before running any plugin`,
        );
        expect(refused.runtime.calls).toEqual([]);
        const passed = service([cluster, passthru("ens5")], { node: node() });
        await passed.svc.attach(request({ containerId: "c-pt" }), ctx());
        expect(passed.runtime.calls.map((c) => `${c.op} ${c.network}`)).toEqual(["add cbr0", "add pt"]);
        // Other modes share the master with the node: the usual macvlan.
        const bridged = service(
          [
            cluster,
            network(
              "selected",
              "default/mv",
              conf("mv", "macvlan", { master: "eth0", ipam: hostLocal("10.8.0.0/24") }),
            ),
          ],
          { node: node() },
        );
        await bridged.svc.attach(request({ containerId: "c-mv" }), ctx());
        expect(bridged.runtime.calls.map((c) => `${c.op} ${c.network}`)).toEqual(["add cbr0", "add mv"]);
      });

      it("a hot-plug beside a host-device network whose device is in the pod now checks only what it adds", async () => {
        const nodeLinks = { eth0: "device", ens5: "device", cni0: "bridge" } as Record<string, string>;
        const green = network("selected", "default/green", conf("green", "ptp", { ipam: hostLocal("10.6.0.0/24") }));
        const { svc } = service([cluster, takes({ device: "ens5" })], { node: links(nodeLinks), hotplugOnly: [green] });
        await svc.attach(request(), ctx());
        // host-device moved ens5 into the pod: the node has it no more.
        delete nodeLinks["ens5"];
        await expect(
          svc.attachNetwork({ containerId: "c1", selection: { name: "green" } }, ctx()),
        ).resolves.toBeDefined();
      });

      it("passes one naming an interface the node does not use, by each key", async () => {
        const each: Array<Record<string, string>> = [
          { device: "ens5" },
          { pciBusID: "0000:00:05.0" },
          { hwaddr: "52:54:00:00:00:05" },
        ];
        for (const keys of each) {
          const { svc, runtime } = service([cluster, takes(keys)], { node: node() });
          await svc.attach(request({ containerId: `c-${Object.keys(keys)[0]}` }), ctx());
          expect(runtime.calls.map((c) => `${c.op} ${c.network}`)).toEqual(["add cbr0", "add hd"]);
        }
      });
    });

    describe("a bridge config never replaces the addresses of a bridge the node uses", () => {
      const bridgeNode = (): NodeLinks => ({
        ...links({ eth0: "device", br0: "bridge", cni0: "bridge" }),
        addressing: async () => ({ ...NODE, links: [...NODE.links, { name: "br0", addresses: ["198.51.100.2/24"] }] }),
      });
      const gatewayOn = (bridge: string, keys: Record<string, boolean>) =>
        network("selected", "default/gw", conf("gw", "bridge", { bridge, ...keys, ipam: hostLocal("10.7.0.0/24") }));

      // isDefaultGateway's second default route is allowed (policy warn) so that only this is refused.
      it.each<Record<string, boolean>>([{ isGateway: true }, { isDefaultGateway: true }])(
        "refuses forceAddress with %j on it as NODE_RESOURCE_INVALID: nothing runs",
        async (gateway) => {
          const { svc, runtime } = service([cluster, gatewayOn("br0", { ...gateway, forceAddress: true })], {
            node: bridgeNode(),
            policy: "warn",
          });
          const err = await rejection(svc.attach(request(), ctx()));
          expect(err.code).toBe("NODE_RESOURCE_INVALID");
          expect(err.message).toContain(`network "default/gw" (net1)`);
          expect(err.message).toContain(
            `plugin "bridge" plugins[0].forceAddress=true with isGateway would replace the addresses of bridge "br0", which holds the node's address 198.51.100.2/24; a network never changes the node's own addresses; refused before running any plugin`,
          );
          expect(runtime.calls).toEqual([]);
        },
      );

      it("passes forceAddress on a bridge without the node's addresses, and a gateway without forceAddress", async () => {
        for (const [i, n] of [
          gatewayOn("cni9", { isGateway: true, forceAddress: true }),
          gatewayOn("br0", { isGateway: true }),
          gatewayOn("br0", { forceAddress: true }),
        ].entries()) {
          const { svc, runtime } = service([cluster, n], { node: bridgeNode() });
          await svc.attach(request({ containerId: `c-gw${i}` }), ctx());
          expect(runtime.calls.map((c) => `${c.op} ${c.network}`)).toEqual(["add cbr0", "add gw"]);
        }
      });
    });

    it("passes a device, address and port the node does not use, and the runtime's own hostPorts", async () => {
      const { svc, runtime } = service([cluster, hostDevice({ deviceId: "0000:00:05.0" })]);
      await svc.attach(
        request({ runtimeConfig: { portMappings: [{ hostPort: 22, containerPort: 22, protocol: "tcp" }] } }),
        ctx(),
      );
      expect(runtime.calls.map((c) => c.op)).toEqual(["add", "add"]);
    });

    it("refuses a hostPort another container's saved attachment maps, naming that pod", async () => {
      const { svc } = service([cluster, portmap({ portMappings: [{ hostPort: 9000, containerPort: 80 }] })]);
      await svc.attach(request({ containerId: "c-first" }), ctx());
      const err = await rejection(svc.attach(request({ containerId: "c-second" }), ctx()));
      expect(err.code).toBe("NODE_RESOURCE_INVALID");
      expect(err.message).toContain(
        'hostPort 9000/tcp is taken: pod default/web (container c-first), network "default/pm" (net1), already maps it;',
      );
      // The container's own record is not another attachment.
      await expect(svc.resolve(request({ containerId: "c-first" }), ctx())).resolves.toBeDefined();
    });

    describe("two ADDs planned at once, neither saved when the other reads the saved records", () => {
      /** Each ADD's read of the saved records returns only once both read them. */
      const bothRead = () => {
        let arrived = 0;
        let open = (): void => undefined;
        const opened = new Promise<void>((resolve) => (open = resolve));
        return {
          list: async () => {
            const listed = await temp.store.list();
            if (++arrived === 2) open();
            await opened;
            return listed;
          },
        };
      };
      const pm = portmap({ portMappings: [{ hostPort: 9200, containerPort: 80 }] });

      it("the same annotation hostPort: the one checked second is refused naming the other pod, which attaches", async () => {
        const { svc, runtime } = service([cluster, pm], { attachments: bothRead() });
        const ids = ["c-first", "c-second"] as const;
        const settled = await Promise.allSettled(ids.map((containerId) => svc.attach(request({ containerId }), ctx())));
        const won = settled.findIndex((r) => r.status === "fulfilled");
        const [winner, loser] = won === 0 ? ids : [ids[1], ids[0]];
        expect(settled.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
        const refused = (settled[1 - won] as PromiseRejectedResult).reason as DaemonError;
        expect(refused.code).toBe("NODE_RESOURCE_INVALID");
        expect(refused.message).toContain(
          `network "default/pm" (net1): the pod's "portMappings" hostPort 9200/tcp is taken: pod default/web (container ${winner}), network "default/pm" (net1), already maps it;`,
        );
        expect(runtime.calls.map((c) => `${c.op} ${c.rt?.containerId}`)).toEqual([`add ${winner}`, `add ${winner}`]);
        expect(await temp.store.load(loser)).toEqual({ state: "missing" });
      });

      it("an ADD that saved and gave its claim back while the other read the host's sockets: the other is refused", async () => {
        let listed = (): void => undefined;
        const firstListed = new Promise<void>((resolve) => (listed = resolve));
        let reached = (): void => undefined;
        const atSockets = new Promise<void>((resolve) => (reached = resolve));
        let open = (): void => undefined;
        const opened = new Promise<void>((resolve) => (open = resolve));
        let lists = 0;
        let reads = 0;
        // c-first has read the saved records (none) and waits in its socket read until c-second ended.
        const attachments = {
          list: async () => {
            const records = await temp.store.list();
            if (++lists === 1) listed();
            return records;
          },
        };
        const sockets: HostSockets = {
          listening: async () => {
            if (++reads === 1) {
              reached();
              await opened;
            }
            return [];
          },
        };
        const { svc, runtime } = service([cluster, pm], { attachments, sockets });
        const first = rejection(svc.attach(request({ containerId: "c-first" }), ctx()));
        await Promise.all([firstListed, atSockets]);
        await svc.attach(request({ containerId: "c-second" }), ctx());
        open();
        const err = await first;
        expect(err.code).toBe("NODE_RESOURCE_INVALID");
        expect(err.message).toContain(
          'hostPort 9200/tcp is taken: pod default/web (container c-second), network "default/pm" (net1), already maps it;',
        );
        expect(runtime.calls.map((c) => `${c.op} ${c.rt?.containerId}`)).toEqual(["add c-second", "add c-second"]);
        expect(await temp.store.load("c-first")).toEqual({ state: "missing" });
      });

      it("ResolveNetworks answers as the ADD would: refused while another ADD holds the hostPort unsaved", async () => {
        let release = (): void => undefined;
        const held = new Promise<void>((resolve) => (release = resolve));
        let reached = (): void => undefined;
        const checked = new Promise<void>((resolve) => (reached = resolve));
        // The first ADD passed its check and claimed its port; its record is not saved yet.
        const store: AttachmentStore = {
          ...temp.store,
          save: async (r) => {
            if (r.plan.containerId === "c-first") {
              reached();
              await held;
            }
            return temp.store.save(r);
          },
        };
        const { svc } = service([cluster, pm], { store });
        const first = svc.attach(request({ containerId: "c-first" }), ctx());
        await checked;
        const err = await rejection(svc.resolve(request({ containerId: "c-second" }), ctx()));
        expect(err.code).toBe("NODE_RESOURCE_INVALID");
        expect(err.message).toContain("hostPort 9200/tcp is taken: pod default/web (container c-first)");
        release();
        await expect(first).resolves.toBeDefined();
      });

      it("a failed first ADD gives its claim back: the next ADD of that hostPort attaches", async () => {
        const fail: FailRule = (c) =>
          c.op === "add" && c.rt?.containerId === "c-first" && c.ifName === "net1"
            ? new CniError({ kind: "plugin-failed", code: 11, msg: "no room", plugin: "ptp" })
            : undefined;
        const { svc } = service([cluster, pm], { fail });
        expect((await rejection(svc.attach(request({ containerId: "c-first" }), ctx()))).code).toBe("PLUGIN_FAILED");
        await expect(svc.attach(request({ containerId: "c-second" }), ctx())).resolves.toBeDefined();
        // The claim of the second ADD ended with it; its saved record holds the port now.
        const err = await rejection(svc.attach(request({ containerId: "c-third" }), ctx()));
        expect(err.message).toContain("pod default/web (container c-second)");
      });
    });

    it("a hot-plug checks the network it adds against the pod's saved mappings, and only that network", async () => {
      const listening: Array<{ port: number; address: string }> = [];
      const sockets: HostSockets = { listening: async (p) => (p === "tcp" ? listening : []) };
      const green = network("selected", "default/green", conf("green", "ptp", { ipam: hostLocal("10.6.0.0/24") }));
      const { svc } = service([cluster, portmap({ portMappings: [{ hostPort: 9100, containerPort: 80 }] })], {
        sockets,
        hotplugOnly: [portmap({ portMappings: [{ hostPort: 9100, containerPort: 81 }] }, "pm2"), green],
      });
      await svc.attach(request(), ctx());
      const err = await rejection(svc.attachNetwork({ containerId: "c1", selection: { name: "pm2" } }, ctx()));
      expect(err.message).toContain(
        'network "default/pm2" (net2): the pod\'s "portMappings" hostPort 9100/tcp is taken: network "default/pm" (net1) of this pod already maps it;',
      );
      // A host service that started on the saved network's port since does not block another hot-plug.
      listening.push({ port: 9100, address: "0.0.0.0" });
      await expect(
        svc.attachNetwork({ containerId: "c1", selection: { name: "green" } }, ctx()),
      ).resolves.toBeDefined();
    });
  });
});

describe("the hostPort check's re-reads while other ADDs release claims on its ports", () => {
  const pm = network(
    "selected",
    "default/pm",
    conflist("pm", [
      { type: "ptp", ipam: hostLocal("10.4.0.0/24") },
      { type: "portmap", capabilities: { portMappings: true } },
    ]),
    { portMappings: [{ hostPort: 9300, containerPort: 80 }] },
  );
  const plan = buildPlan(request(), [cluster, pm]);
  /** A lease whose ports see a release during every read: other ADDs of them saving one after another. */
  const busyLease = (): PortLease & { taken: number } => {
    const lease = {
      taken: 0,
      others: () => [],
      whileReading: async <T>(_m: unknown, read: () => Promise<T>) => ({
        value: await read(),
        released: () => true,
        end: () => undefined,
      }),
      take: () => void lease.taken++,
      release: () => undefined,
    };
    return lease;
  };
  const deps = (sockets: HostSockets) => ({
    nodeLinks: links({ eth0: "device", cni0: "bridge" }),
    validateList: async () => [],
    defaultRoutes: "reject" as const,
    hostSockets: sockets,
    attachments: { list: async () => [] },
  });

  it(`reads ${HOST_PORT_READS} times at most, then checks what it read and claims the ports`, async () => {
    let reads = 0;
    const ports = busyLease();
    // A read yields to timers, as the real one does: an endless loop is then a test timeout.
    const sockets: HostSockets = { listening: async () => (reads++, await setImmediate(), []) };
    await runPreflight(plan, deps(sockets), undefined, { ports });
    expect(reads).toBe(3);
    expect(ports.taken).toBe(1);
  });

  it("reads again for a release on its hostIP or a wildcard one, not for one on another hostIP of its port", async () => {
    const on = (hostIP: string) =>
      buildPlan(request(), [
        cluster,
        { ...pm, selection: { ...pm.selection, portMappings: [{ hostPort: 9300, containerPort: 80, hostIP }] } },
      ]);
    const readsWhile = async (released: { hostPort: number; containerPort: number; hostIP?: string }) => {
      const claims = createHostPortClaims();
      const other = claims.lease("other");
      other.take([{ mapping: released, owner: "pod other" }]);
      let reads = 0;
      // The other ADD saves its record and releases its claim during the first read.
      const sockets: HostSockets = { listening: async () => (++reads === 1 && other.release(), []) };
      await runPreflight(on("10.0.0.2"), deps(sockets), undefined, { ports: claims.lease("c1") });
      return reads;
    };
    expect(await readsWhile({ hostPort: 9300, containerPort: 80, hostIP: "10.0.0.1" })).toBe(1);
    expect(await readsWhile({ hostPort: 9300, containerPort: 80, hostIP: "10.0.0.2" })).toBe(2);
    expect(await readsWhile({ hostPort: 9300, containerPort: 80 })).toBe(2);
  });

  it("stops reading once the call's signal fired: CANCELLED, nothing claimed", async () => {
    const call = new AbortController();
    const ports = busyLease();
    let reads = 0;
    const sockets: HostSockets = {
      listening: async () => (++reads === 2 && call.abort(), await setImmediate(), []),
    };
    const err = await rejection(runPreflight(plan, deps(sockets), call.signal, { ports }));
    expect(err.code).toBe("CANCELLED");
    expect(err.message).toBe("cancelled while reading the node's hostPorts for preflight");
    expect(reads).toBe(2);
    expect(ports.taken).toBe(0);
  });
});
