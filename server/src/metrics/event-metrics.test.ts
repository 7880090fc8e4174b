import { describe, expect, it } from "vitest";
import type { AttachmentEvent } from "../events/attachment-event.js";
import { createMetrics } from "./create-metrics.js";

const attach = (over: Partial<AttachmentEvent>): AttachmentEvent => ({
  kind: "attach",
  outcome: "failed",
  time: new Date(0),
  containerId: "c",
  durationMs: 10,
  ...over,
});

/** The network label values of the per-network histogram. */
async function networkLabels(scrape: () => Promise<{ body: string }>): Promise<string[]> {
  const { body } = await scrape();
  const values = [...body.matchAll(/^netattach_network_operation_duration_seconds_count\{[^}]*network="([^"]*)"/gm)];
  return [...new Set(values.map((m) => m[1] as string))].sort();
}

describe("network labels of calls", () => {
  it("never take a name that failed to resolve, so made-up names cannot use up the cap real networks need", async () => {
    const { events, scrape } = createMetrics({ maxLabelValues: 3 });
    for (let i = 0; i < 10; i++)
      events.emit(attach({ reason: "NETWORK_NOT_FOUND", phase: "resolve", network: `default/made-up-${i}` }));
    events.emit(attach({ reason: "PLUGIN_FAILED", phase: "add", network: "default/real" }));
    events.emit(attach({ outcome: "ok", interfaces: [{ network: "default/ok", ifName: "net1", ips: [] }] }));
    expect(await networkLabels(scrape)).toEqual(["default/ok", "default/real", "unknown"]);
  });
});
