import { describe, expect, it } from "vitest";
import type { AttachmentRecord } from "../attach/attachment-store.js";
import type { NetnsGuard } from "../netns/netns-guard.js";
import type { PodLookup, PodSource } from "../resolve/index.js";
import { recordingLinks, silentLog } from "../attach/testing.test-helper.js";
import type { CriSandboxes, SandboxList } from "./cri-sandboxes.js";
import { createRuntimeTruth } from "./runtime-truth.js";
import { pinForDelete } from "../attach/netns-rules.js";
import { guardFromInspect } from "../netns/netns-guard.test-helper.js";

const signal = new AbortController().signal;

function record(
  containerId: string,
  netns = `/run/netns/${containerId}`,
  uid = `uid-${containerId}`,
): AttachmentRecord {
  return {
    version: 1,
    plan: {
      containerId,
      netns,
      pod: { namespace: "default", name: containerId, uid },
      primaryIfName: "eth0",
      delegates: [],
    },
    results: {},
    phase: "attached",
    netnsId: `ns:${netns}`,
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
  };
}

/** Namespaces that exist: every path but the ones listed. */
const netnsExcept = (...gone: string[]): NetnsGuard =>
  guardFromInspect((path) =>
    gone.includes(path)
      ? { ok: false, problem: "missing", detail: "does not exist (ENOENT)" }
      : { ok: true, id: `ns:${path}` },
  );
const cri = (answer: SandboxList): CriSandboxes => ({ list: async () => answer, close: () => undefined });
const pods = (lookup: (name: string) => PodLookup, ready = true): PodSource => ({
  getPod: async (_ns, name) => lookup(name),
  ready: () => ready,
});
const lines = (log: string[]) =>
  ({
    ...silentLog,
    info: (_o: unknown, m: string) => void log.push(m),
    warn: (_o: unknown, m: string) => void log.push(m),
    child: () => silentLog,
  }) as unknown as typeof silentLog;

describe("the reconciler's truth", () => {
  it("while the runtime answers: gone when it does not list the sandbox, or when the netns is gone", async () => {
    const truth = createRuntimeTruth({
      netns: netnsExcept("/run/netns/b"),
      cri: cri({ ok: true, ids: new Set(["a", "b"]), runtime: "containerd 1.6.20 at unix:///c.sock" }),
      log: silentLog,
    });
    const snap = await truth.snapshot(signal);
    expect(snap.sources).toEqual(["CRI ListPodSandbox: containerd 1.6.20 at unix:///c.sock", "netns existence"]);
    expect(snap.notes).toEqual([]);
    expect(await snap.gone(record("a"), signal)).toBeUndefined();
    expect(await snap.gone(record("b"), signal)).toBe("netns-gone");
    expect(await snap.gone(record("c"), signal)).toBe("sandbox-gone");
  });

  it("a netns that is another namespace now counts as gone", async () => {
    const truth = createRuntimeTruth({
      netns: guardFromInspect(() => ({ ok: true, id: "ns:someone-else" })),
      log: silentLog,
    });
    expect(await (await truth.snapshot(signal)).gone(record("a"), signal)).toBe("netns-gone");
  });

  it("without a runtime socket says so once, and judges by netns existence", async () => {
    const log: string[] = [];
    const truth = createRuntimeTruth({
      netns: netnsExcept(),
      cri: cri({ ok: false, absent: true, why: "no container runtime socket at /run/containerd/containerd.sock" }),
      log: lines(log),
    });
    const snap = await truth.snapshot(signal);
    await truth.snapshot(signal);
    expect(snap.sources).toEqual(["netns existence"]);
    expect(snap.notes).toEqual([
      "no container runtime socket at /run/containerd/containerd.sock: sandboxes are judged by netns existence",
    ]);
    expect(log).toEqual([
      "reconciler: no container runtime socket at /run/containerd/containerd.sock: sandboxes are judged by netns existence",
    ]);
    expect(await snap.gone(record("a"), signal)).toBeUndefined();
  });

  it("without the runtime, the synced pod informer stands in: a pod deleted or recreated is gone, an unknown answer is not", async () => {
    const lookup = (name: string): PodLookup => {
      if (name === "deleted") return { reason: "not-found" };
      if (name === "recreated") return { found: { namespace: "default", name, uid: "a-new-uid", annotations: {} } };
      if (name === "static")
        return { found: { namespace: "default", name, uid: "mirror-uid", annotations: {}, isStatic: true } };
      if (name === "away") throw new Error("KUBE_API_UNAVAILABLE");
      return { found: { namespace: "default", name, uid: `uid-${name}`, annotations: {} } };
    };
    const truth = createRuntimeTruth({
      netns: netnsExcept(),
      cri: cri({ ok: false, absent: false, why: "CRI ListPodSandbox failed: UNAVAILABLE" }),
      pods: pods(lookup),
      log: silentLog,
    });
    const snap = await truth.snapshot(signal);
    expect(snap.sources).toEqual(["netns existence", "pod informer"]);
    expect(await snap.gone(record("deleted"), signal)).toBe("pod-gone");
    expect(await snap.gone(record("recreated"), signal)).toBe("pod-gone");
    expect(await snap.gone(record("static"), signal)).toBeUndefined();
    expect(await snap.gone(record("away"), signal)).toBeUndefined();
    expect(await snap.gone(record("alive"), signal)).toBeUndefined();
    expect(await snap.gone(record("manual", "/run/netns/manual", ""), signal)).toBeUndefined();
  });

  it("ignores the pod informer while the runtime answers, and before the informer is synced", async () => {
    const deleted = (): PodLookup => ({ reason: "not-found" });
    const listing = createRuntimeTruth({
      netns: netnsExcept(),
      cri: cri({ ok: true, ids: new Set(["a"]), runtime: "crio" }),
      pods: pods(deleted),
      log: silentLog,
    });
    expect(await (await listing.snapshot(signal)).gone(record("a"), signal)).toBeUndefined();
    const unsynced = createRuntimeTruth({ netns: netnsExcept(), pods: pods(deleted, false), log: silentLog });
    const snap = await unsynced.snapshot(signal);
    expect(snap.sources).toEqual(["netns existence"]);
    expect(await snap.gone(record("a"), signal)).toBeUndefined();
  });

  it("a namespace whose path was deleted while a process still runs in it is not gone, and DEL reaches it through that process", async () => {
    const guard = guardFromInspect(
      (path) =>
        path === "/run/netns/a"
          ? { ok: false, problem: "missing", detail: "does not exist (ENOENT)" }
          : { ok: true, id: path === "/proc/42/ns/net" ? "ns:/run/netns/a" : `ns:${path}` },
      (id) => (id === "ns:/run/netns/a" ? "/proc/42/ns/net" : undefined),
    );
    const truth = createRuntimeTruth({
      netns: guard,
      cri: cri({ ok: true, ids: new Set(["a"]), runtime: "containerd" }),
      log: silentLog,
    });
    const snap = await truth.snapshot(signal);
    expect(await snap.gone(record("a"), signal)).toBeUndefined();
    // DEL goes in through that process once it sees an interface the ADD made (name and MAC) there.
    const attached: AttachmentRecord = {
      ...record("a"),
      results: {
        eth0: {
          cniVersion: "1.0.0",
          interfaces: [{ name: "eth0", mac: "02:00:00:00:00:0a", sandbox: "/run/netns/a" }],
        },
      },
    };
    const holding = (mac: string) => ({
      netns: guard,
      links: recordingLinks(undefined, (netns) => new Map(netns === "/proc/42/ns/net" ? [["eth0", mac]] : [])),
    });
    expect((await pinForDelete(holding("02:00:00:00:00:0A"), attached))?.handle).toBe("/proc/42/ns/net");
    // Another namespace that got the freed inode number: its own eth0 is not the pod's.
    expect(await pinForDelete(holding("02:00:00:00:00:0b"), attached)).toBeUndefined();
    expect(await pinForDelete(holding("02:00:00:00:00:0a"), record("a"))).toBeUndefined();

    // Nobody holds it: gone.
    const noHolder = guardFromInspect(guard.inspect);
    expect(
      await (await createRuntimeTruth({ netns: noHolder, log: silentLog }).snapshot(signal)).gone(record("a"), signal),
    ).toBe("netns-gone");
  });
});
