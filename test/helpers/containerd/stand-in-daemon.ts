// A stand-in netattachd for the shim's integration tests (no root): the REAL daemon
// shell (server/src/daemon.ts: gRPC server, error middleware, proto mapping, health) over
// a unix socket, with a scripted domain service instead of netns work. Every request the
// shim makes is recorded in domain form; each test scripts the answers.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { convertResult, type CniResult } from "../../../server/src/cni/index.js";
import {
  trackInFlightCalls,
  type AttachRequest,
  type AttachResult,
  type AttachmentService,
  type CallContext,
  type CheckRequest,
  type DetachRequest,
  type GcRequest,
  type ServiceStatus,
} from "../../../server/src/attach/index.js";
import { createDaemon, type Daemon } from "../../../server/src/daemon.js";
import { loadDescriptorSet } from "../../../server/src/grpc/descriptor-set.js";

/** The cluster network's result as a delegate (bridge) returns it, in 1.1.0. */
export const PRIMARY_RESULT_110: CniResult = {
  cniVersion: "1.1.0",
  interfaces: [
    { name: "cni0", mac: "aa:bb:cc:00:00:01" },
    { name: "veth1234", mac: "aa:bb:cc:00:00:02" },
    { name: "eth0", mac: "aa:bb:cc:00:00:03", sandbox: "/var/run/netns/x", mtu: 1500 },
  ],
  ips: [
    { address: "10.88.0.5/16", gateway: "10.88.0.1", interface: 2 },
    { address: "fd00::5/64", gateway: "fd00::1", interface: 2 },
  ],
  routes: [{ dst: "0.0.0.0/0", gw: "10.88.0.1" }],
  dns: { nameservers: ["10.96.0.10"] },
} as CniResult;

export type Call =
  | { op: "attach"; req: AttachRequest }
  | { op: "detach"; req: DetachRequest }
  | { op: "check"; req: CheckRequest }
  | { op: "gc"; req: GcRequest }
  | { op: "status" };

/** What each domain call does; tests replace entries. */
export interface Script {
  /** `ctx.signal` aborts when the call is cancelled (the client gave up). */
  attach(req: AttachRequest, ctx?: CallContext): Promise<AttachResult>;
  detach(req: DetachRequest): Promise<void>;
  check(req: CheckRequest): Promise<void>;
  gc(req: GcRequest): Promise<{ removedContainerIds: string[]; errors: string[] }>;
  status(): Promise<ServiceStatus>;
}

export function defaultScript(): Script {
  return {
    attach: async (req) => ({
      interfaces: [],
      primaryResult: convertResult(PRIMARY_RESULT_110, req.cniVersion ?? "1.1.0"),
      networkStatus: [],
    }),
    detach: async () => undefined,
    check: async () => undefined,
    gc: async () => ({ removedContainerIds: [], errors: [] }),
    status: async () => ({ ready: true, reasons: [], clusterNetwork: { name: "cbr0", ok: true } }),
  };
}

export interface StandInDaemon {
  readonly socketPath: string;
  readonly calls: Call[];
  script: Script;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Removes the temp dir (after stop). */
  dispose(): Promise<void>;
}

export async function createStandInDaemon(): Promise<StandInDaemon> {
  const dir = await mkdtemp(join(tmpdir(), "na-standin-"));
  const calls: Call[] = [];
  const descriptorSet = await loadDescriptorSet();
  const self: StandInDaemon = {
    socketPath: join(dir, "netattach.sock"),
    calls,
    script: defaultScript(),
    start: async () => {
      daemon = newDaemon();
      await daemon.start();
    },
    stop: async () => {
      await daemon?.stop();
      daemon = undefined;
    },
    dispose: async () => {
      await self.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  const service: AttachmentService = {
    attach: async (req, ctx) => (calls.push({ op: "attach", req }), self.script.attach(req, ctx)),
    detach: async (req) => {
      calls.push({ op: "detach", req });
      await self.script.detach(req);
      return { removed: [], orphaned: [] };
    },
    check: async (req) => (calls.push({ op: "check", req }), self.script.check(req)),
    gc: async (req) => {
      calls.push({ op: "gc", req });
      return { dryRun: false, sources: [], notes: [], items: [], ...(await self.script.gc(req)) };
    },
    status: async () => (calls.push({ op: "status" }), self.script.status()),
    list: async () => ({ attachments: [], unreadable: [] }),
    resolve: async () => {
      throw new Error("not used by the shim");
    },
    attachNetwork: async () => {
      throw new Error("unused");
    },
    detachNetwork: async () => {
      throw new Error("unused");
    },
    applyNetworkChanges: async () => {
      throw new Error("unused");
    },
  };
  // A fresh daemon per start: a nice-grpc server cannot listen again after shutdown.
  const newDaemon = (): Daemon =>
    createDaemon({
      socketPath: self.socketPath,
      shutdownTimeoutMs: 1_000,
      shutdownRollbackMs: 1_000,
      calls: trackInFlightCalls(service),
      log: pino({ level: "silent" }),
      descriptorSet,
      // The daemon polls status for grpc.health; keep those probes out of the way.
      readinessIntervalMs: { notReady: 60_000, ready: 60_000 },
    });
  let daemon: Daemon | undefined;
  return self;
}
