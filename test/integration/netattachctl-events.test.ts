// `netattachctl events` against a real daemon whose event bus the test feeds: the recent events
// as a table or JSON, filters, and -w following new events (JSON lines, lost-event notices on
// stderr in text) until interrupted, exit 0.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AttachmentEvent } from "../../server/src/events/attachment-event.js";
import { createEventBus, type EventBus } from "../../server/src/events/event-bus.js";
import { createFakeService, startDaemonWith, type TestDaemon } from "../helpers/daemon.js";
import { REPO_ROOT, runNetattachctl } from "../helpers/netattachctl.js";

let d: TestDaemon;
let bus: EventBus;
const pod = { namespace: "ns1", name: "web-0", uid: "u1" };

const ev = (containerId: string, extra: Partial<AttachmentEvent> = {}): AttachmentEvent => ({
  kind: "attach",
  outcome: "ok",
  time: new Date("2030-01-02T03:04:05.000Z"),
  containerId,
  pod,
  durationMs: 12.4,
  ...extra,
});

beforeAll(async () => {
  bus = createEventBus({ historySize: 10, bufferSize: 2, maxWatchers: 4 });
  d = await startDaemonWith(createFakeService({ status: { ready: true, reasons: [] } }), { events: bus });
  bus.emit(ev("c1", { interfaces: [{ network: "ns1/blue", ifName: "net1", ips: ["10.1.0.2/24"] }] }));
  bus.emit(
    ev("c2", {
      outcome: "failed",
      reason: "PLUGIN_FAILED",
      network: "ns1/red",
      plugin: "macvlan",
      message: "master eth9 not found",
    }),
  );
  bus.emit(ev("c1", { kind: "detach", message: "removed net1 (ns1/blue)" }));
});
afterAll(async () => {
  await d?.stop();
});

describe("netattachctl events", () => {
  it("prints the recent events as a table, oldest first; -o wide adds interfaces and messages", async () => {
    const r = await runNetattachctl(["events", "--socket", d.socketPath]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^TIME\s+KIND\s+OUTCOME\s+POD\s+CONTAINER\s+NETWORK\s+REASON\s+DURATION$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(1, 8))).toEqual([
      ["attach", "ok", "ns1/web-0", "c1", "ns1/blue", "-", "12ms"],
      ["attach", "failed", "ns1/web-0", "c2", "ns1/red", "PLUGIN_FAILED", "12ms"],
      ["detach", "ok", "ns1/web-0", "c1", "-", "-", "12ms"],
    ]);
    const wide = await runNetattachctl(["events", "-o", "wide", "--socket", d.socketPath]);
    expect(wide.stdout).toContain("net1=10.1.0.2/24");
    expect(wide.stdout).toContain("master eth9 not found");
  });

  it("-o json: every field, enums by name; filters by container and network", async () => {
    const r = await runNetattachctl(["events", "-o", "json", "--container-id", "c2", "--socket", d.socketPath]);
    expect(JSON.parse(r.stdout)).toEqual({
      events: [
        {
          sequence: 2,
          kind: "EVENT_KIND_ATTACH",
          outcome: "EVENT_OUTCOME_FAILED",
          time: "2030-01-02T03:04:05.000Z",
          containerId: "c2",
          pod,
          network: "ns1/red",
          plugin: "macvlan",
          reason: "PLUGIN_FAILED",
          message: "master eth9 not found",
          duration: { nanos: 12_400_000 },
        },
      ],
    });
    const byNet = JSON.parse(
      (await runNetattachctl(["events", "-o", "json", "--network", "ns1/blue", "--socket", d.socketPath])).stdout,
    ) as { events: Array<{ containerId: string }> };
    expect(byNet.events.map((e) => e.containerId)).toEqual(["c1"]);
    expect(
      JSON.parse(
        (await runNetattachctl(["events", "-o", "json", "--pod", "ns1/other", "--socket", d.socketPath])).stdout,
      ),
    ).toEqual({ events: [] });
  });

  it("-w follows new events as JSON lines until interrupted (exit 0)", async () => {
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "tools/src/main.ts",
        "events",
        "-w",
        "-o",
        "json",
        "--container-id",
        "c9",
        "--socket",
        d.socketPath,
      ],
      { cwd: REPO_ROOT },
    );
    const lines = createInterface({ input: child.stdout });
    const got: Array<{ event?: { sequence: number; kind: string } }> = [];
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    let first: () => void = () => undefined;
    const opened = new Promise<void>((resolve) => (first = resolve));
    const three = new Promise<void>((resolve) =>
      lines.on("line", (l) => {
        got.push(JSON.parse(l) as { event?: { sequence: number; kind: string } });
        if (got.length === 1) first();
        if (got.length === 3) resolve();
      }),
    );
    // Emitted before the stream opens: it comes from the history, replayed first. Its arrival shows
    // the stream is open, so the next two are followed live (no fixed wait a loaded machine outruns).
    bus.emit(ev("c9"));
    await opened;
    bus.emit(ev("c9", { kind: "hotplug-attach", network: "ns1/green" }));
    bus.emit(ev("c9", { kind: "detach" }));
    await three;
    child.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(got.map((g) => g.event?.kind)).toEqual([
      "EVENT_KIND_ATTACH",
      "EVENT_KIND_HOTPLUG_ATTACH",
      "EVENT_KIND_DETACH",
    ]);
    expect(got.map((g) => g.event!.sequence)).toEqual([...got.map((g) => g.event!.sequence)].sort((a, b) => a - b));
  });

  it("usage errors exit 2", async () => {
    const r = await runNetattachctl(["events", "--pod", "nope", "--socket", d.socketPath]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--pod must be NAMESPACE/NAME");
  });
});
