import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFAULTS, type DaemonConfig } from "../../../server/src/config/index.js";
import { apiNetworks, type KubeSettings, type NadList } from "./api-networks.js";
import { hostLocalDirs } from "./host-local-dirs.js";
import { checkIpamReservations } from "./ipam-reservations-check.js";

let confDir: string;
const KUBECONFIG = "/etc/netattach/kubeconfig";
const SOURCE = `kubeconfig ${KUBECONFIG} (server https://api.example:6443)`;

const nad = (namespace: string, name: string, config?: object | string): object => ({
  apiVersion: "k8s.cni.cncf.io/v1",
  kind: "NetworkAttachmentDefinition",
  metadata: { namespace, name },
  spec: config === undefined ? {} : { config: typeof config === "string" ? config : JSON.stringify(config) },
});
const hostLocal = (name: string, dataDir: string) => ({
  cniVersion: "1.0.0",
  name,
  type: "macvlan",
  ipam: { type: "host-local", dataDir, ranges: [[{ subnet: "10.8.0.0/24" }]] },
});

/** A fake API: LIST answers by namespace ("" = all), recorded with their limits. */
function fakeApi(pages: Record<string, Awaited<ReturnType<NadList["list"]>>>, pageSize = 500) {
  const calls: Array<[string, number]> = [];
  const opened: KubeSettings[] = [];
  let closed = 0;
  const open = async (kube: KubeSettings): Promise<NadList> => {
    opened.push(kube);
    return {
      pageSize,
      source: SOURCE,
      list: async (namespace, limit) => {
        calls.push([namespace, limit]);
        return pages[namespace] ?? { items: [], more: false };
      },
      close: () => void closed++,
    };
  };
  return { open, calls, opened, closed: () => closed };
}

function config(kubernetes: Partial<DaemonConfig["kubernetes"]>): DaemonConfig {
  return {
    ...DEFAULTS,
    cniConfDir: confDir,
    defaultNamespace: "kube-system",
    kubernetes: { ...DEFAULTS.kubernetes, mode: "kubeconfig", kubeconfigPath: KUBECONFIG, ...kubernetes },
  };
}

beforeEach(async () => {
  confDir = await mkdtemp(join(tmpdir(), "na-doctor-api-"));
  await writeFile(join(confDir, "fromconf.conf"), JSON.stringify(hostLocal("fromconf", "/data/conf")));
});
afterEach(() => rm(confDir, { recursive: true, force: true }));

describe("apiNetworks", () => {
  it("reads the definitions of all namespaces with one bounded LIST and resolves them as the daemon does", async () => {
    const api = fakeApi({
      "": {
        items: [
          nad("default", "red", hostLocal("red-net", "/data/api")),
          nad("default", "fromconf"), // no spec.config: the conf dir file of that name
          nad("default", "Bad_Name", hostLocal("x", "/data/x")), // no pod can name it
          nad("other", "broken", "{not json"),
        ],
        more: false,
      },
    });
    const read = await apiNetworks(config({}), api.open);
    expect(api.opened).toEqual([{ mode: "kubeconfig", kubeconfigPath: KUBECONFIG }]);
    expect(api.calls).toEqual([["", 500]]);
    expect(api.closed()).toBe(1);
    expect(read.notRead).toEqual([]);
    expect(read.networks.map((n) => n.name)).toEqual(["default/red", "default/fromconf", "other/broken"]);
    expect(read.networks[2]?.config).toEqual({ problem: expect.stringContaining("other/broken") });
    expect(hostLocalDirs(read.networks)).toEqual([
      { dir: "/data/api/red-net", cniName: "red-net", networks: ["default/red"] },
      { dir: "/data/conf/fromconf", cniName: "fromconf", networks: ["default/fromconf"] },
    ]);
  });

  it("lists each watched namespace once, and keeps to confDirFallback", async () => {
    const api = fakeApi({ a: { items: [nad("a", "fromconf")], more: false } });
    const read = await apiNetworks({ ...config({ namespaces: ["a", "b", "a"] }), confDirFallback: "none" }, api.open);
    expect(api.calls).toEqual([
      ["a", 500],
      ["b", 500],
    ]);
    expect(read.networks).toEqual([
      expect.objectContaining({
        name: "a/fromconf",
        config: { problem: expect.stringContaining('confDirFallback "none"') },
      }),
    ]);
  });

  it("says what it could not read: settings that do not load, a LIST that fails, more definitions than it reads", async () => {
    const unloadable = await apiNetworks(config({}), () =>
      Promise.reject(new Error(`cannot load Kubernetes client settings from kubeconfig ${KUBECONFIG}: ENOENT`)),
    );
    expect(unloadable).toEqual({
      networks: [],
      notRead: [
        `networks defined only in the Kubernetes API were not scanned: cannot load Kubernetes client settings from kubeconfig ${KUBECONFIG}: ENOENT`,
      ],
    });
    const api = fakeApi(
      {
        a: { problem: "no answer within the per-request timeout" },
        b: { items: [nad("b", "red", hostLocal("red", "/d")), nad("b", "blue", hostLocal("blue", "/d"))], more: true },
      },
      2,
    );
    const read = await apiNetworks(config({ namespaces: ["a", "b"] }), api.open);
    expect(read.notRead).toEqual([
      `networks defined only in the Kubernetes API were not scanned (namespace a): cannot list them with ${SOURCE}: no answer within the per-request timeout`,
      "more than 2 NetworkAttachmentDefinitions in namespace b: only the first 2 were scanned",
    ]);
    expect(read.networks.map((n) => n.name)).toEqual(["b/red", "b/blue"]);
    expect(api.closed()).toBe(1);
  });

  it("asks nothing without a cluster (kubernetes.mode none)", async () => {
    const api = fakeApi({});
    expect(await apiNetworks({ ...config({}), kubernetes: DEFAULTS.kubernetes }, api.open)).toEqual({
      networks: [],
      notRead: [],
    });
    expect(api.opened).toEqual([]);
  });
});

describe("checkIpamReservations with networks it could not read", () => {
  const owners = async () => ({ recorded: new Set<string>(), clusterNetwork: "cluster", sandboxes: { why: "none" } });
  const tools = { binDirs: ["/opt/cni/bin"], cacheDir: "/var/lib/netattach/cache" };
  const notRead = [`networks defined only in the Kubernetes API were not scanned: cannot list them with ${SOURCE}: x`];

  it("warns, naming them, whether or not a data dir was read", async () => {
    const none = await checkIpamReservations([], owners, tools, { notRead });
    expect(none).toEqual({
      check: "ipam-reservations",
      status: "warn",
      message: `no configured network uses host-local IPAM\n${notRead[0]}`,
      fix: expect.stringContaining("make the Kubernetes API reachable"),
    });
    const dir = { dir: join(confDir, "empty"), cniName: "blue", networks: ["blue"] };
    const some = await checkIpamReservations([dir], owners, tools, { notRead });
    expect(some.status).toBe("warn");
    expect(some.message.split("\n")).toEqual([
      "0 reservation(s) in 1 host-local data dir(s), each owned by a saved attachment",
      notRead[0],
    ]);
    expect(some.fix).toContain("make the Kubernetes API reachable");
  });
});
