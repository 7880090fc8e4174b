// netattachctl attach-network / detach-network against a real daemon socket (scripted service):
// what is sent (one annotation element, read by the daemon's parser), text and -o json output,
// catalog errors (exit 1, one error) and usage errors (exit 2, the daemon never called).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { AttachNetworkResult, DetachNetworkResult } from "../../server/src/attach/index.js";
import { DaemonError } from "../../server/src/errors/daemon-error.js";
import { runCli } from "../../tools/src/cli.js";
import { createFakeService, startDaemonWith, type FakeService, type TestDaemon } from "../helpers/daemon.js";

const ATTACHED: AttachNetworkResult = {
  attached: {
    network: "ns1/green",
    ifName: "data0",
    ips: [{ address: "10.7.0.5/24" }],
    mac: "aa:bb:cc:00:00:05",
    isDefault: false,
    gateways: [],
    result: { cniVersion: "1.0.0" },
  },
  networkStatus: [
    { name: "cluster", interface: "eth0", ips: ["10.0.0.2"], default: true },
    { name: "ns1/green", interface: "data0", ips: ["10.7.0.5"], default: false },
  ],
};
const DETACHED: DetachNetworkResult = {
  removed: [{ network: "ns1/green", ifName: "data0" }],
  orphaned: [],
  networkStatus: [{ name: "cluster", interface: "eth0", ips: ["10.0.0.2"], default: true }],
};

let d: TestDaemon;
let fake: FakeService;

beforeAll(async () => {
  fake = createFakeService({ status: { ready: true, reasons: [] } });
  d = await startDaemonWith(fake);
});
afterAll(async () => {
  await d?.stop();
});
beforeEach(() => {
  fake.calls.length = 0;
  fake.answers = { status: { ready: true, reasons: [] }, attachNetwork: ATTACHED, detachNetwork: DETACHED };
});

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runCli({
    argv,
    env: { NETATTACH_SOCKET: d.socketPath },
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
  });
  return { code, out, err };
}

describe("netattachctl attach-network", () => {
  it("sends one selection (text form); prints the interface, or -o json with the new network-status", async () => {
    const text = await cli("attach-network", "--container-id", "c1", "--network", "ns1/green@data0");
    expect(text).toMatchObject({ code: 0, err: "" });
    expect(text.out.split("\n")[0]).toMatch(/^INTERFACE\s+NETWORK\s+IPS\s+MAC\s+DEFAULT$/);
    expect(text.out.split("\n")[1]).toMatch(/^data0\s+ns1\/green\s+10\.7\.0\.5\/24\s+aa:bb:cc:00:00:05\s*$/);
    expect(fake.calls.filter((c) => c.method !== "status")).toEqual([
      {
        method: "attachNetwork",
        request: { containerId: "c1", selection: { name: "green", namespace: "ns1", interface: "data0" } },
        signal: expect.any(AbortSignal),
      },
    ]);

    const json = await cli("attach-network", "--container-id", "c1", "--network", "ns1/green@data0", "-o", "json");
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.out) as { interface: { interface: string; network: string }; networkStatus: unknown };
    expect(doc.interface).toMatchObject({ interface: "data0", network: "ns1/green" });
    expect(doc.networkStatus).toEqual(ATTACHED.networkStatus);
  });

  it("takes the JSON element form; no namespace leaves it to the daemon (the pod's)", async () => {
    expect(
      (
        await cli(
          "attach-network",
          "--container-id",
          "c1",
          "--network",
          '{"name":"green","ips":["10.7.0.9/24"],"default-route":["10.7.0.1"]}',
        )
      ).code,
    ).toBe(0);
    expect(fake.calls.find((c) => c.method === "attachNetwork")!.request).toEqual({
      containerId: "c1",
      selection: { name: "green", ips: ["10.7.0.9/24"], defaultRoute: ["10.7.0.1"] },
    });
  });

  it("a refusal is one catalog error: exit 1, JSON on stdout with -o json", async () => {
    fake.answers.attachNetwork = new DaemonError(
      "INTERFACE_CONFLICT",
      'interface "net1" is used twice: by network "ns1/blue" (#1) and by network "ns1/green" (#2)',
      { network: "ns1/green", ifName: "net1", phase: "plan" },
    );
    const text = await cli("attach-network", "--container-id", "c1", "--network", "green@net1");
    expect(text).toMatchObject({ code: 1, out: "" });
    expect(text.err).toContain(
      'netattachctl attach-network: INVALID_ARGUMENT INTERFACE_CONFLICT: interface "net1" is used twice',
    );
    const json = await cli("attach-network", "--container-id", "c1", "--network", "green@net1", "-o", "json");
    expect(json).toMatchObject({ code: 1, err: "" });
    expect(JSON.parse(json.out)).toMatchObject({
      error: {
        code: "INVALID_ARGUMENT",
        reason: "INTERFACE_CONFLICT",
        metadata: { network: "ns1/green", ifName: "net1" },
      },
    });
  });

  it("usage errors exit 2 without calling the daemon", async () => {
    expect((await cli("attach-network", "--container-id", "c1")).code).toBe(2);
    expect((await cli("attach-network", "--network", "green")).code).toBe(2);
    const two = await cli("attach-network", "--container-id", "c1", "--network", "green,blue", "-o", "json");
    expect(two.code).toBe(2);
    expect(JSON.parse(two.out)).toEqual({
      error: { code: "USAGE", message: "--network must name exactly one network, got 2", metadata: {} },
    });
    const bad = await cli("attach-network", "--container-id", "c1", "--network", "{nope");
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("--network");
    expect(fake.calls.filter((c) => c.method !== "status")).toEqual([]);
  });
});

describe("netattachctl detach-network", () => {
  it("by interface or by network; prints what was removed, or -o json", async () => {
    const text = await cli("detach-network", "--container-id", "c1", "--interface", "data0");
    expect(text).toMatchObject({ code: 0, err: "" });
    expect(text.out).toMatch(/^INTERFACE\s+NETWORK\s+OUTCOME\ndata0\s+ns1\/green\s+removed\n$/);
    const json = await cli("detach-network", "--container-id", "c1", "--network", "ns1/green", "-o", "json");
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toMatchObject({ removed: [{ network: "ns1/green", interface: "data0" }] });
    expect(fake.calls.filter((c) => c.method === "detachNetwork").map((c) => c.request)).toEqual([
      { containerId: "c1", ifName: "data0" },
      { containerId: "c1", network: { namespace: "ns1", name: "green" } },
    ]);
  });

  it("lists what was orphaned for the reconciler with its cause, warns on stderr naming it, exit 0", async () => {
    const cause = "interface data0 could not be removed: EBUSY";
    fake.answers.detachNetwork = {
      ...DETACHED,
      removed: [],
      orphaned: [{ network: "ns1/green", ifName: "data0", cause }],
    };
    const r = await cli("detach-network", "--container-id", "c1", "--interface", "data0");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      new RegExp(`^INTERFACE\\s+NETWORK\\s+OUTCOME\\ndata0\\s+ns1/green\\s+orphaned: ${cause}\\n$`),
    );
    expect(r.err).toBe(
      "warning: 1 delegate(s) of c1 could not be released (ns1/green@data0): orphaned for the reconciler, which retries them (netattachctl list shows them, netattachctl gc retries them now)\n",
    );
  });

  it("a sandbox without an attachment is ATTACHMENT_NOT_FOUND, exit 1", async () => {
    fake.answers.detachNetwork = new DaemonError(
      "ATTACHMENT_NOT_FOUND",
      "container c9 has no attachment: a hot-plug needs a sandbox the runtime's ADD attached",
      { phase: "hotplug-del" },
    );
    const r = await cli("detach-network", "--container-id", "c9", "--interface", "net1", "-o", "json");
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ error: { code: "NOT_FOUND", reason: "ATTACHMENT_NOT_FOUND" } });
  });

  it("usage errors exit 2 without calling the daemon", async () => {
    expect((await cli("detach-network", "--container-id", "c1")).code).toBe(2);
    expect((await cli("detach-network", "--container-id", "c1", "--interface", "a", "--network", "ns/b")).code).toBe(2);
    expect((await cli("detach-network", "--container-id", "c1", "--network", "green")).code).toBe(2);
    expect(fake.calls.filter((c) => c.method !== "status")).toEqual([]);
  });
});
