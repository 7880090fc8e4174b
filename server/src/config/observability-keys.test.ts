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
      'kubernetes.events: expected true or false, got "yes"',
    ]);
  });

  it("refuses a listener port above 65535, for tcpListen and metricsListen alike; accepts 0 and 65535", () => {
    const { issues } = validateConfig({
      clusterNetwork: "c",
      metricsListen: "127.0.0.1:99999",
      tcpListen: "[::1]:65536",
      tls: { certFile: "/c", keyFile: "/k", clientCaFile: "/ca" },
    });
    expect(issues).toEqual([
      'metricsListen: expected a port from 0 to 65535, got "127.0.0.1:99999"',
      'tcpListen: expected a port from 0 to 65535, got "[::1]:65536"',
    ]);
    expect(validateConfig({ clusterNetwork: "c", metricsListen: "127.0.0.1:0" }).issues).toEqual([]);
    expect(validateConfig({ clusterNetwork: "c", metricsListen: "localhost:65535" }).issues).toEqual([]);
  });

  it("refuses a listener host that is no address and no host name, instead of logging a failed lookup at runtime", () => {
    const { issues } = validateConfig({
      clusterNetwork: "c",
      metricsListen: "256.1.1.1:19653",
      tcpListen: "[1:::2]:1",
      tls: { certFile: "/c", keyFile: "/k", clientCaFile: "/ca" },
    });
    expect(issues).toEqual([
      'metricsListen: expected an IPv4 address, [IPv6 address] or host name before the port, got "256.1.1.1:19653"',
      'tcpListen: expected an IPv4 address, [IPv6 address] or host name before the port, got "[1:::2]:1"',
    ]);
    expect(validateConfig({ clusterNetwork: "c", metricsListen: "bad_host!:1" }).issues).toHaveLength(1);
    for (const ok of ["0.0.0.0:1", "[::]:1", "[fd00::1]:9651", "node-1.example.com:9651", "localhost:1"])
      expect(validateConfig({ clusterNetwork: "c", metricsListen: ok }).issues).toEqual([]);
  });

  it("refuses a socketPath longer than a unix socket path may be (107 bytes), counting bytes", () => {
    const at = (n: number) => `/run/${"y".repeat(n - "/run/".length)}`;
    expect(validateConfig({ clusterNetwork: "c", socketPath: at(107) }).issues).toEqual([]);
    expect(validateConfig({ clusterNetwork: "c", socketPath: at(108) }).issues).toEqual([
      expect.stringMatching(/^socketPath: expected at most 107 bytes \(the unix socket path limit\), got "\/run\/yyy/),
    ]);
    // 54 two-byte characters: 54 characters, 113 bytes with "/run/".
    expect(validateConfig({ clusterNetwork: "c", socketPath: `/run/${"é".repeat(54)}` }).issues).toHaveLength(1);
  });
});
