// DEL on a state disk that went read-only: every plugin's DEL works, no record can be written or removed.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DaemonError } from "../errors/daemon-error.js";
import type { AttachmentStore } from "./attachment-store.js";
import { createAttachmentService } from "./create-attachment-service.js";
import { createFileAttachmentStore } from "./file-attachment-store.js";
import {
  fakeServiceDeps,
  conf,
  fakeResolver,
  network,
  recordingRuntime,
  request,
  silentLog,
} from "./testing.test-helper.js";

let dir: string;
beforeEach(async () => void (dir = await mkdtemp(join(tmpdir(), "detach-ro-"))));
afterEach(() => rm(dir, { recursive: true, force: true }));

const networks = [
  network("cluster", "cbr0", conf("cbr0", "bridge")),
  network("selected", "default/ptp-conf", conf("ptp-conf", "ptp")),
];

/** The file store at `path` on a read-only disk: reads work, saves and removes fail as the store reports EROFS. */
function readOnly(path: string): AttachmentStore {
  const inner = createFileAttachmentStore(path);
  const erofs = (file: string, what: string): DaemonError => {
    const cause = Object.assign(new Error(`EROFS: read-only file system, unlink '${file}'`), {
      code: "EROFS",
      errno: -30,
      path: file,
    });
    return new DaemonError(
      "STATE_IO",
      `cannot ${what} ${file}: EROFS (read-only file system) on ${file}`,
      { phase: "store", source: file },
      { cause },
    );
  };
  return {
    ...inner,
    save: (r) => Promise.reject(erofs(join(path, `${r.plan.containerId}.json`), "write")),
    remove: (id) => Promise.reject(erofs(join(path, `${id}.json`), "remove")),
  };
}

function service(store: AttachmentStore, runtime = recordingRuntime()) {
  return createAttachmentService(
    fakeServiceDeps({
      runtime,
      resolver: fakeResolver(networks),
      store,
      orphans: createFileAttachmentStore(join(dir, "orphans")),
    }),
  );
}

describe("DEL on a read-only state disk", () => {
  it("succeeds when every plugin's DEL did, warns naming the record it could not remove, and a later DEL removes it", async () => {
    const attachments = join(dir, "attachments");
    const file = join(attachments, "c1.json");
    await service(createFileAttachmentStore(attachments)).attach(request(), {
      signal: new AbortController().signal,
      log: silentLog,
    });
    const lines: Array<{ msg: string; file?: string; errno?: string }> = [];
    const log = pino({ level: "warn" }, { write: (l: string) => void lines.push(JSON.parse(l) as (typeof lines)[0]) });
    const runtime = recordingRuntime();

    const res = await service(readOnly(attachments), runtime).detach(
      { containerId: "c1" },
      { signal: new AbortController().signal, log },
    );

    expect(res).toEqual({
      removed: [
        { network: "default/ptp-conf", ifName: "net1" },
        { network: "cbr0", ifName: "eth0" },
      ],
      orphaned: [],
    });
    expect(runtime.calls.map((c) => `${c.op} ${c.ifName}`)).toEqual(["del net1", "del eth0"]);
    expect(lines.map(({ msg, file, errno }) => ({ msg, file, errno }))).toEqual([
      {
        msg: "DEL could not save the attachment as detaching; deleting its delegates anyway",
        file: undefined,
        errno: undefined,
      },
      {
        msg: `every delegate is released, but the saved attachment stays (phase attached): cannot remove ${file}: EROFS (read-only file system) on ${file}; a later DEL, the reconciler or the next start removes it`,
        file,
        errno: "EROFS",
      },
    ]);
    const store = createFileAttachmentStore(attachments);
    expect(await store.load("c1")).toMatchObject({ state: "found", record: { phase: "attached" } });

    // The disk is writable again: the runtime's next DEL runs the (idempotent) DELs again and finishes.
    const again = recordingRuntime();
    const res2 = await service(store, again).detach(
      { containerId: "c1" },
      { signal: new AbortController().signal, log },
    );
    expect(res2.removed).toHaveLength(2);
    expect(await store.load("c1")).toEqual({ state: "missing" });
  });
});
