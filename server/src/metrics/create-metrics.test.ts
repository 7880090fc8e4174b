import perfHooks from "node:perf_hooks";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createMetrics, EVENT_LOOP_SAMPLE_MS } from "./create-metrics.js";

describe("createMetrics", () => {
  afterEach(() => vi.restoreAllMocks());

  it("samples the event-loop delay once a second, not prom-client's 100 times, and still reports it", async () => {
    const monitor = vi.spyOn(perfHooks, "monitorEventLoopDelay");
    const { scrape } = createMetrics();
    expect(monitor).toHaveBeenCalledTimes(1);
    expect(monitor.mock.calls[0]?.[0]?.resolution).toBe(EVENT_LOOP_SAMPLE_MS);
    expect(EVENT_LOOP_SAMPLE_MS).toBeGreaterThanOrEqual(1000);
    const { body } = await scrape();
    expect(body).toMatch(/^nodejs_eventloop_lag_p99_seconds /m);
  });
});
