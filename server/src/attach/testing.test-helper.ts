// Fakes for attach unit tests: a recording CNI runtime, a resolver, a pod source, a status writer, routes.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, beforeEach } from "vitest";
import { DaemonError } from "../errors/daemon-error.js";
import {
  CniError,
  type CniResult,
  type CniRuntime,
  type InvokeOptions,
  type JsonObject,
  type NetworkConfigList,
  type RuntimeConf,
} from "../cni/index.js";
import type { DefaultRoute, IpFamily, RouteEditor } from "../netns/route-editor.js";
import type {
  NetworkResolver,
  NetworkSelection,
  PodSource,
  ResolvedNetwork,
  SelectionQuery,
} from "../resolve/index.js";
import type { PlannedDelegate, PodRef } from "./attachment-plan.js";
import type { AttachRequest } from "./contract.js";
import type { AttachmentServiceDeps } from "./create-attachment-service.js";
import type { NetworkStatusEntry } from "./network-status-entry.js";
import type { NetworkStatusWriter } from "./ports.js";
import type { FindPlugin } from "./plugin-check.js";
import type { NetnsGuard } from "../netns/netns-guard.js";
import { guardFromInspect } from "../netns/netns-guard.test-helper.js";
import type { PodLinks } from "../netns/pod-links.js";
import type { AttachmentEvent, EventSink } from "../events/attachment-event.js";
import type { AttachmentStore } from "./attachment-store.js";
import { createFileAttachmentStore } from "./file-attachment-store.js";

export const silentLog = pino({ level: "silent" });

export function conf(name: string, type: string, extra: JsonObject = {}): JsonObject {
  return { cniVersion: "1.0.0", name, type, ...extra };
}

export function conflist(name: string, plugins: JsonObject[], extra: JsonObject = {}): JsonObject {
  return { cniVersion: "1.0.0", name, plugins, ...extra };
}

export function network(
  role: ResolvedNetwork["role"],
  name: string,
  config: JsonObject,
  selection: Partial<NetworkSelection> = {},
  resourceName?: string,
): ResolvedNetwork {
  const [ns, n] = name.includes("/") ? (name.split("/") as [string, string]) : [undefined, name];
  return {
    role,
    network: name,
    selection: { name: n, ...(ns !== undefined ? { namespace: ns } : {}), ...selection },
    definition: {
      name: n,
      ...(ns !== undefined ? { namespace: ns } : {}),
      config,
      origin:
        ns !== undefined
          ? {
              kind: "network-attachment-definition",
              namespace: ns,
              name: n,
              configFrom: "spec.config",
              manifestPath: `/nads/${n}.yaml`,
            }
          : { kind: "conf-file", path: `/etc/cni/net.d/${n}.conf` },
      ...(resourceName !== undefined ? { resourceName } : {}),
    },
  };
}

/** A planned delegate of `network` ("ns/name": a definition's spec.config; a bare name: a conf file). */
export function plannedDelegate(
  network: string,
  ifName: string,
  extra: Partial<PlannedDelegate> = {},
): PlannedDelegate {
  const [namespace, name] = network.includes("/") ? (network.split("/") as [string, string]) : ["", network];
  return {
    network,
    ifName,
    isDefault: false,
    config: {},
    capabilityArgs: {},
    cniArgs: [],
    origin:
      namespace === ""
        ? { kind: "conf-file", path: `/etc/cni/net.d/${name}.conf` }
        : { kind: "network-attachment-definition", namespace, name, configFrom: "spec.config" },
    ...extra,
  };
}

export const pod: PodRef = { namespace: "default", name: "web", uid: "uid-1" };

/** An ADD of container c1 in /var/run/netns/test; another container gets a namespace of its own, as a runtime gives it. */
export function request(extra: Partial<AttachRequest> = {}): AttachRequest {
  const containerId = extra.containerId ?? "c1";
  const netns = containerId === "c1" ? "/var/run/netns/test" : `/var/run/netns/${containerId}`;
  return { containerId, netns, pod, primaryIfName: "eth0", annotations: {}, ...extra };
}

export function fakeResolver(networks: ResolvedNetwork[]): NetworkResolver & { calls: number } {
  const r = {
    calls: 0,
    resolve: async () => {
      r.calls++;
      return networks;
    },
    resolveClusterNetwork: async () => {
      const cluster = networks.find((n) => n.role === "cluster");
      if (cluster === undefined) throw new Error("fakeResolver: no cluster network");
      return cluster;
    },
    resolveSelection: async (q: SelectionQuery) => {
      const found = networks.find((n) => n.role === "selected" && n.selection.name === q.selection.name);
      if (found === undefined) throw new Error(`fakeResolver: no network ${q.selection.name}`);
      return { ...found, selection: { ...found.selection, ...q.selection } };
    },
  };
  return r;
}

export const noClusterPods: PodSource = { getPod: async () => ({ reason: "no-cluster" }), ready: () => true };

export function recordingStatusWriter(fail?: Error): NetworkStatusWriter & { written: NetworkStatusEntry[][] } {
  const w = {
    written: [] as NetworkStatusEntry[][],
    write: async (_pod: PodRef, status: readonly NetworkStatusEntry[]) => {
      if (fail !== undefined) throw fail;
      w.written.push([...status]);
    },
  };
  return w;
}

/** Accepts every path as a netns of its own (identity = path), so unit tests need no namespaces. */
export const anyNetns: NetnsGuard = guardFromInspect((path) => ({ ok: true, id: `ns:${path}` }));

export const allPluginsFound: FindPlugin = async (type) => ({ found: `/opt/cni/bin/${type}` });

export interface RuntimeCall {
  readonly op: "add" | "del" | "check" | "gc" | "status" | "release";
  readonly network: string;
  readonly ifName?: string;
  readonly netns?: string;
  readonly rt?: RuntimeConf;
  readonly list: NetworkConfigList;
  readonly opts?: InvokeOptions;
  readonly validAttachments?: ReadonlyArray<{ containerId: string; ifName: string }>;
}

export type FailRule = (call: RuntimeCall) => CniError | undefined;

/** A runtime that records every call; ADD returns one sandbox interface with 10.0.<n>.2/24. */
export function recordingRuntime(
  fail: FailRule = () => undefined,
  hook?: (call: RuntimeCall) => Promise<void>,
): CniRuntime & { calls: RuntimeCall[] } {
  const calls: RuntimeCall[] = [];
  let n = 0;
  const record = async (call: RuntimeCall): Promise<void> => {
    calls.push(call);
    await hook?.(call);
    const err = fail(call);
    if (err !== undefined) throw err;
  };
  return {
    calls,
    async addNetworkList(list, rt, opts) {
      await record({
        op: "add",
        network: list.name,
        ifName: rt.ifName,
        netns: rt.netns,
        rt,
        list,
        ...(opts !== undefined ? { opts } : {}),
      });
      n++;
      return addResult(list.cniVersion, rt.ifName, rt.netns, n);
    },
    async delNetworkList(list, rt, opts) {
      await record({
        op: "del",
        network: list.name,
        ifName: rt.ifName,
        netns: rt.netns,
        rt,
        list,
        ...(opts !== undefined ? { opts } : {}),
      });
    },
    async checkNetworkList(list, rt) {
      await record({ op: "check", network: list.name, ifName: rt.ifName, netns: rt.netns, rt, list });
    },
    async gcNetworkList(list, args, opts) {
      await record({
        op: "gc",
        network: list.name,
        list,
        validAttachments: args.validAttachments ?? [],
        ...(opts !== undefined ? { opts } : {}),
      });
    },
    async getStatusNetworkList(list) {
      await record({ op: "status", network: list.name, list });
    },
    getVersionInfo: async () => ({ cniVersion: "1.0.0", supportedVersions: ["1.0.0"] }),
    validateNetworkList: async (list) =>
      list.plugins.map((p) => ({ type: p.type, path: `/opt/cni/bin/${p.type}`, version: list.cniVersion })),
    getCachedResult: async () => undefined,
    getCachedAttachments: async () => [],
    getCachedNetworks: async () => [],
    async releaseNetworkList(list, rt, opts) {
      await record({
        op: "release",
        network: list.name,
        ifName: rt.ifName,
        netns: rt.netns,
        rt,
        list,
        ...(opts !== undefined ? { opts } : {}),
      });
    },
    sweepCache: async () => ({ tempFiles: [], corrupt: [], failed: [] }),
  };
}

export function addResult(cniVersion: string, ifName: string, netns: string, n: number): CniResult {
  return {
    cniVersion,
    interfaces: [
      { name: `veth${n}`, mac: "aa:aa:aa:aa:aa:0" + n },
      { name: ifName, mac: "02:00:00:00:00:0" + n, mtu: 1500, sandbox: netns },
    ],
    ips: [{ address: `10.0.${n}.2/24`, gateway: `10.0.${n}.1`, interface: 1 }],
    routes: [{ dst: "0.0.0.0/0", gw: `10.0.${n}.1` }],
    dns: { nameservers: ["10.0.0.10"] },
  };
}

export function pluginFailure(plugin: string, code: number, msg: string): CniError {
  return new CniError({ kind: "plugin-failed", code, msg, plugin, command: "ADD", stderr: "boom on stderr" });
}

export function recordingRoutes(
  initial: Array<DefaultRoute & { family: IpFamily }> = [],
): RouteEditor & { ops: string[]; table: Array<DefaultRoute & { family: IpFamily }> } {
  const table = [...initial];
  const ops: string[] = [];
  return {
    ops,
    table,
    listDefaultRoutes: async (_netns, family) => table.filter((r) => r.family === family),
    deleteDefaultRoute: async (_netns, family, route) => {
      ops.push(`del -${family} ${route.gateway ?? ""} ${route.dev}`);
      const i = table.findIndex((r) => r.family === family && r.dev === route.dev && r.gateway === route.gateway);
      if (i >= 0) table.splice(i, 1);
    },
    replaceDefaultRoute: async (_netns, family, dev, gateway) => {
      ops.push(`replace -${family} ${gateway} ${dev}`);
      table.push({ family, dev, gateway });
    },
  };
}

/** The DaemonError a promise rejects with (fails the test if it resolves). */
export async function rejection(p: Promise<unknown>): Promise<DaemonError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof DaemonError) return err;
    throw err;
  }
  throw new Error("expected the call to fail");
}

/** An event sink that keeps what it is given. */
export function recordingEvents(): EventSink & { events: AttachmentEvent[] } {
  const events: AttachmentEvent[] = [];
  return { events, emit: (e) => void events.push(e) };
}

/**
 * Interfaces the cleanup path removed, as "netns ifName"; `present` says which exist (default: all);
 * `macs` what a netns holds (default: nothing), whose names are also the names its links answer to.
 */
export function recordingLinks(
  present: (netns: string, ifName: string) => boolean = () => true,
  macs: (netns: string) => ReadonlyMap<string, string> = () => new Map(),
): PodLinks & { removed: string[] } {
  const removed: string[] = [];
  return {
    removed,
    remove: async (netns, ifName) => {
      if (!present(netns, ifName)) return "absent";
      removed.push(`${netns} ${ifName}`);
      return "removed";
    },
    macs: async (netns) => macs(netns),
    names: async (netns) => new Set(macs(netns).keys()),
  };
}

/** File attachment and orphan stores in a fresh temp dir per test (registers beforeEach/afterEach); call at describe level. */
export function tempStore(prefix = "attach-"): {
  readonly store: AttachmentStore;
  readonly orphans: AttachmentStore;
  readonly dir: string;
} {
  let dir = "";
  let store: AttachmentStore | undefined;
  let orphans: AttachmentStore | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
    store = createFileAttachmentStore(join(dir, "attachments"));
    orphans = createFileAttachmentStore(join(dir, "orphans"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  return {
    get store() {
      if (store === undefined) throw new Error("tempStore() is used outside a test");
      return store;
    },
    get orphans() {
      if (orphans === undefined) throw new Error("tempStore() is used outside a test");
      return orphans;
    },
    get dir() {
      return dir;
    },
  };
}

/** A service's deps: what the test gives, and recording fakes (no cluster, every plugin found) for the rest. */
export function fakeServiceDeps(
  given: Pick<AttachmentServiceDeps, "runtime" | "resolver" | "store" | "orphans"> & Partial<AttachmentServiceDeps>,
): AttachmentServiceDeps {
  return {
    podSource: noClusterPods,
    statusWriter: recordingStatusWriter(),
    links: recordingLinks(),
    routes: recordingRoutes(),
    findPlugin: allPluginsFound,
    netns: anyNetns,
    limits: { maxConcurrent: 2, callTimeoutMs: 60_000 },
    clusterNetwork: () => undefined,
    ...given,
  };
}
