// The preflight wired into the attachment service: refusals run nothing and save nothing,
// ResolveNetworks answers the same refusals and the relaxed findings, and the results of
// plugins whose routes their config does not say are checked after ADD.
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
} from "../testing.test-helper.js";
import type { NodeLinks } from "./node-links.js";
import type { DefaultRoutePolicy } from "./default-route-conflicts.js";
import { hostLocal } from "./preflight.test-helper.js";

const temp = tempStore("preflight-");

const ctx = () => ({ signal: new AbortController().signal, log: silentLog });
const links = (names: Record<string, string>): NodeLinks & { reads: number } => {
  const l = {
    reads: 0,
    names: async () => (l.reads++, Object.keys(names)),
    kind: async (n: string) => names[n],
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
  o: { policy?: DefaultRoutePolicy; node?: NodeLinks; validate?: (list: NetworkConfigList) => Promise<void> } = {},
) {
  const runtime = recordingRuntime();
  const validated: string[] = [];
  const svc = createAttachmentService({
    runtime,
    resolver: fakeResolver(networks),
    podSource: noClusterPods,
    statusWriter: recordingStatusWriter(),
    store: temp.store,
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
});
