// Each daemon log line is a JSON object with every key once. The gRPC middleware binds the call's
// container, the service binds it again for calls that come from elsewhere (start-up, the
// annotation watcher), and release paths name it in their own lines for the reconciler: a key
// twice in one object breaks log pipelines (jq keeps one, others refuse the line). ADD (with a
// rollback), DEL, CHECK and hot-plugs over the real gRPC server and root logger, and start-up's
// finishing of a DEL; fake plugins.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import type { Logger } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { trackInFlightCalls } from "../../server/src/attach/index.js";
import type { AttachmentStore } from "../../server/src/attach/attachment-store.js";
import { createAttachmentService } from "../../server/src/attach/create-attachment-service.js";
import { createFileAttachmentStore } from "../../server/src/attach/file-attachment-store.js";
import {
  fakeServiceDeps,
  conf,
  fakeResolver,
  network,
  pluginFailure,
  recordingRuntime,
} from "../../server/src/attach/testing.test-helper.js";
import { createDaemon, type Daemon } from "../../server/src/daemon.js";
import { loadDescriptorSet } from "../../server/src/grpc/descriptor-set.js";
import { createLogger } from "../../server/src/log/create-logger.js";
import { createDaemonClient, type DaemonClient } from "../../tools/src/daemon-client.js";

const NETWORKS = "k8s.v1.cni.cncf.io/networks";
const raw: string[] = [];
let dir: string;
let daemon: Daemon;
let client: DaemonClient;
let service: ReturnType<typeof createAttachmentService>;
let store: AttachmentStore;
let log: Logger;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "na-log-keys-"));
  // Every secondary network's DEL fails (netattach cleans up and warns), as does every CHECK and c2's ADD of ptp-conf.
  const runtime = recordingRuntime((c) =>
    (c.op === "del" && c.network !== "cbr0") ||
    c.op === "check" ||
    (c.op === "add" && c.rt?.containerId === "c2" && c.network === "ptp-conf")
      ? pluginFailure(c.network === "cbr0" ? "bridge" : "ptp", 999, `${c.op} failed`)
      : undefined,
  );
  store = createFileAttachmentStore(join(dir, "attachments"));
  service = createAttachmentService(
    fakeServiceDeps({
      runtime,
      resolver: fakeResolver([
        network("cluster", "cbr0", conf("cbr0", "bridge")),
        network("selected", "default/ptp-conf", conf("ptp-conf", "ptp")),
        network("selected", "default/macvlan-conf", conf("macvlan-conf", "macvlan")),
      ]),
      store,
      orphans: createFileAttachmentStore(join(dir, "orphans")),
      clusterNetwork: () => ({
        name: "cbr0",
        cniVersion: "1.0.0",
        disableCheck: false,
        disableGC: false,
        plugins: [{ type: "bridge" }],
        raw: {},
      }),
    }),
  );
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      raw.push(
        ...chunk
          .toString("utf8")
          .split("\n")
          .filter((l) => l.trim() !== ""),
      );
      done();
    },
  });
  const socketPath = join(dir, "netattach.sock");
  daemon = createDaemon({
    socketPath,
    shutdownTimeoutMs: 5_000,
    shutdownRollbackMs: 5_000,
    calls: trackInFlightCalls(service),
    log: (log = createLogger({ level: "debug", destination })),
    descriptorSet: await loadDescriptorSet(),
  });
  await daemon.start();
  client = createDaemonClient(socketPath);
});
afterAll(async () => {
  client?.close();
  await daemon?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The top-level keys of one JSON line as written, duplicates included (JSON.parse keeps only the last). */
function topLevelKeys(line: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === "{" || ch === "[") depth++;
    else if (ch === "}" || ch === "]") depth--;
    else if (ch === '"') {
      let end = i + 1;
      while (line[end] !== '"') end += line[end] === "\\" ? 2 : 1;
      if (depth === 1 && line[end + 1] === ":") keys.push(JSON.parse(line.slice(i, end + 1)) as string);
      i = end;
    }
  }
  return keys;
}

function repeated(line: string): string[] {
  const keys = topLevelKeys(line);
  return keys.filter((k, i) => keys.indexOf(k) !== i);
}

describe("daemon log lines", () => {
  it("name each field once in ADD (and its rollback), CHECK, hot-plug and DEL lines", async () => {
    const pod = (name: string) => ({ namespace: "default", name, uid: `uid-${name}` });
    const add = (containerId: string) =>
      client.api.attachNetworks({
        containerId,
        netnsPath: `/var/run/netns/${containerId}`,
        pod: pod(`web-${containerId}`),
        annotations: { values: { [NETWORKS]: "ptp-conf" } },
      });
    await add("c1");
    await expect(add("c2")).rejects.toThrow(/add failed/);
    await expect(client.api.checkNetworks({ containerId: "c1" })).rejects.toThrow(/check failed/);
    await client.api.attachNetwork({ containerId: "c1", selection: { name: "macvlan-conf", interface: "net9" } });
    await client.api.detachNetwork({ containerId: "c1", interface: "net9" });
    await client.api.detachNetworks({ containerId: "c1", pod: pod("web-c1") });
    // Start-up finishing a DEL a previous netattachd left half-done: the container bound by start-up, not gRPC.
    await add("c3");
    const saved = await store.load("c3");
    if (saved.state !== "found") return expect.fail(saved.state);
    await store.save({ ...saved.record, phase: "detaching" });
    await expect(service.rollBackUnfinished({ signal: new AbortController().signal, log })).resolves.toEqual(["c3"]);

    const lines = raw.map((line) => ({ line, parsed: JSON.parse(line) as Record<string, unknown> }));
    const rpcs = new Set(lines.map((l) => l.parsed["rpc"]));
    expect([...rpcs]).toEqual(
      expect.arrayContaining(["AttachNetworks", "CheckNetworks", "AttachNetwork", "DetachNetwork", "DetachNetworks"]),
    );
    // The plugins' failed DELs were warned about, naming their container once: on ADD's rollback, hot-unplug and DEL.
    const cleaned = lines.filter((l) => /the plugin's DEL failed/.test(String(l.parsed["msg"])));
    expect(new Set(cleaned.map((l) => `${String(l.parsed["rpc"])} ${String(l.parsed["containerId"])}`))).toEqual(
      new Set(["AttachNetworks c2", "DetachNetwork c1", "DetachNetworks c1", "undefined c3"]),
    );
    expect(lines.filter((l) => repeated(l.line).length > 0).map((l) => [repeated(l.line), l.line])).toEqual([]);
  });
});
