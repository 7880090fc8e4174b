// The keys of the event stream, the metrics listener and Kubernetes Events: defaults, and a bad
// value named with its key.
import { describe, expect, it } from "vitest";
import { validateConfig } from "./validate-config.js";

describe("observability config keys", () => {
  it("defaults: a loopback listener, bounded event buffers, Kubernetes Events on", () => {
    const { config } = validateConfig({ clusterNetwork: "c" });
    expect(config).toMatchObject({
      metricsListen: "127.0.0.1:9651",
      events: { historySize: 256, bufferSize: 1024, maxWatchers: 16 },
    });
    expect(config?.kubernetes.events).toBe(true);
  });

  it('keeps given values, fills the rest of events.*, and accepts "" (no listener)', () => {
    const { config } = validateConfig({
      clusterNetwork: "c",
      metricsListen: "",
      events: { bufferSize: 8 },
      kubernetes: { events: false },
    });
    expect(config).toMatchObject({
      metricsListen: "",
      events: { historySize: 256, bufferSize: 8, maxWatchers: 16 },
      kubernetes: { events: false },
    });
  });

  it("names each bad value with its key", () => {
    const { issues } = validateConfig({
      clusterNetwork: "c",
      metricsListen: "9651",
      events: { bufferSize: 0, maxWatchers: "many", nope: 1 },
      kubernetes: { events: "yes" },
    });
    expect(issues).toEqual([
      'metricsListen: expected "host:port", e.g. "127.0.0.1:50051", got "9651"',
      "events.bufferSize: expected an integer from 1 to 1000000, got 0",
      'events.maxWatchers: expected an integer from 1 to 1000, got "many"',
      "events.nope: unknown key (known: historySize, bufferSize, maxWatchers)",
      'kubernetes.events: expected true or false, got "yes"',
    ]);
  });
});
