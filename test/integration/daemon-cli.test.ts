// netattachctl attach|detach|resolve|list|status against a real daemon socket (scripted
// service): what is sent, text/wide/json/yaml output, global flags anywhere, one error per
// failure and exit codes.
import { spawn } from "node:child_process";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import type { AttachResult, AttachmentPlan, AttachmentSummary, GcResult } from "../../server/src/attach/index.js";
import { DaemonError } from "../../server/src/errors/daemon-error.js";
import { runCli } from "../../tools/src/cli.js";
import { createFakeService, startDaemonWith, type FakeService, type TestDaemon } from "../helpers/daemon.js";
import { makeMtlsFiles } from "../helpers/mtls.js";
import { REPO_ROOT } from "../helpers/netattachctl.js";
import { basename, dirname, join } from "node:path";

const POD = { namespace: "default", name: "demo", uid: "u1" };
const RESULT: AttachResult = {
  interfaces: [
    {
      network: "cluster",
      ifName: "eth0",
      ips: [{ address: "10.0.0.2/24", gateway: "10.0.0.1" }],
      mac: "aa:bb:cc:00:00:01",
      mtu: 1500,
      isDefault: true,
      gateways: ["10.0.0.1"],
      result: { cniVersion: "1.0.0", ips: [{ address: "10.0.0.2/24" }] },
    },
    {
      network: "default/macvlan-conf",
      ifName: "net1",
      ips: [{ address: "10.1.0.2/24" }],
      mac: "aa:bb:cc:00:00:02",
      isDefault: false,
      gateways: [],
      deviceInfo: { type: "pci" },
      result: { cniVersion: "1.0.0" },
    },
  ],
  primaryResult: { cniVersion: "1.0.0", ips: [{ address: "10.0.0.2/24" }] },
  networkStatus: [{ name: "cluster", interface: "eth0", ips: ["10.0.0.2"], default: true }],
};
const PLAN: AttachmentPlan = {
  containerId: "",
  netns: "",
  pod: POD,
  primaryIfName: "eth0",
  delegates: [
    {
      network: "cluster",
      ifName: "eth0",
      isDefault: true,
      config: { cniVersion: "1.0.0", name: "cluster", plugins: [{ type: "bridge" }] },
      capabilityArgs: {},
      cniArgs: [["K8S_POD_NAME", "demo"]],
      origin: { kind: "conf-file", path: "/etc/cni/net.d/10-cluster.conflist" },
    },
    {
      network: "default/ptp-conf",
      ifName: "data0",
      isDefault: false,
      config: { cniVersion: "1.0.0", name: "ptp-conf", plugins: [{ type: "ptp" }] },
      capabilityArgs: { mac: "02:00:00:00:00:09" },
      cniArgs: [["foo", "bar"]],
      origin: {
        kind: "network-attachment-definition",
        namespace: "default",
        name: "ptp-conf",
        manifestPath: "/defs/ptp.yaml",
        configFrom: "conf-file",
        confPath: "/etc/cni/net.d/40-ptp.conflist",
      },
      defaultRoute: ["10.3.0.1"],
    },
    {
      network: "default/macvlan-conf",
      ifName: "net1",
      isDefault: false,
      config: { cniVersion: "1.0.0", name: "macvlan-conf", plugins: [{ type: "macvlan" }] },
      capabilityArgs: {},
      cniArgs: [],
      origin: {
        kind: "network-attachment-definition",
        namespace: "default",
        name: "macvlan-conf",
        configFrom: "spec.config",
      },
    },
  ],
};
const LIST: AttachmentSummary[] = [
  {
    containerId: "c1",
    netns: "/n",
    pod: POD,
    phase: "attached",
    history: [],
    createdAt: "2025-01-02T03:04:05.000Z",
    updatedAt: "2025-01-02T03:04:05.000Z",
    // A default-route selection moved the pod's default route from eth0 to net1.
    interfaces: [
      { network: "cluster", ifName: "eth0", ips: ["10.0.0.2/24"], isDefault: true, gateways: [] },
      {
        network: "default/macvlan-conf",
        ifName: "net1",
        ips: ["10.1.0.2/24"],
        isDefault: false,
        gateways: ["10.1.0.1"],
      },
    ],
  },
];
const ORPHAN: AttachmentSummary = {
  containerId: "c0",
  netns: "/gone",
  pod: POD,
  phase: "orphaned",
  cause: 'network "default/macvlan-conf" (net1) orphaned: addresses could not be released',
  history: [
    {
      time: "2025-01-02T03:05:00.000Z",
      event: "del-failed",
      network: "default/macvlan-conf",
      ifName: "net1",
      plugin: "macvlan",
      reason: "PLUGIN_FAILED",
      message: "Link not found",
    },
  ],
  createdAt: "2025-01-02T03:00:00.000Z",
  updatedAt: "2025-01-02T03:05:00.000Z",
  interfaces: [
    { network: "default/macvlan-conf", ifName: "net1", ips: ["10.1.0.9/24"], isDefault: false, gateways: [] },
  ],
};
const GC: GcResult = {
  removedContainerIds: ["c9"],
  errors: [],
  dryRun: false,
  sources: ["netns existence"],
  notes: ["no container runtime socket at /run/containerd/containerd.sock: sandboxes are judged by netns existence"],
  items: [
    {
      containerId: "c9",
      pod: POD,
      netns: "/run/netns/gone",
      reason: "netns-gone",
      outcome: "removed",
      interfaces: [{ network: "cluster", ifName: "eth0", ips: ["10.0.0.9/24"] }],
    },
  ],
};

let d: TestDaemon;
let fake: FakeService;
beforeAll(async () => {
  fake = createFakeService();
  d = await startDaemonWith(fake);
});
afterAll(async () => {
  await d?.stop();
});
beforeEach(() => {
  fake.calls.length = 0;
  fake.answers = {
    status: { ready: true, reasons: [], clusterNetwork: { name: "cluster", ok: true } },
    attach: RESULT,
    detach: { removed: [{ network: "cluster", ifName: "eth0" }], orphaned: [] },
    resolve: { plan: PLAN, warnings: [] },
    list: { attachments: LIST, unreadable: [] },
    gc: GC,
  };
});

/** Requests the service got for `method` (readiness polls GetStatus in the background). */
function requests(method: keyof FakeService["answers"]): unknown[] {
  return fake.calls.filter((c) => c.method === method).map((c) => c.request);
}

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  return cliWith({ NETATTACH_SOCKET: d.socketPath }, ...argv);
}

async function cliWith(
  env: Record<string, string>,
  ...argv: string[]
): Promise<{ code: number; out: string; err: string }> {
  return cliIn("/", env, ...argv);
}

async function cliIn(
  cwd: string,
  env: Record<string, string>,
  ...argv: string[]
): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runCli({
    argv,
    env,
    cwd,
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
  });
  return { code, out, err };
}

describe("netattachctl over the daemon socket", () => {
  it("attach sends the sandbox and the selection; prints a table, or JSON with parsed results", async () => {
    const text = await cli(
      "attach",
      "--pod",
      "default/demo/u1",
      "--container-id",
      "c1",
      "--netns",
      "/var/run/netns/x",
      "--networks",
      "macvlan-conf,default/ptp-conf@data0",
      "--cni-arg",
      "A=1",
      "--cni-version",
      "0.4.0",
    );
    expect(text.err).toBe("");
    expect(text.code).toBe(0);
    expect(text.out).toBe(
      [
        "INTERFACE  NETWORK               IPS          MAC                DEFAULT",
        "eth0       cluster               10.0.0.2/24  aa:bb:cc:00:00:01  yes",
        "net1       default/macvlan-conf  10.1.0.2/24  aa:bb:cc:00:00:02",
        "",
      ].join("\n"),
    );
    expect(requests("attach")[0]).toEqual({
      containerId: "c1",
      netns: "/var/run/netns/x",
      pod: POD,
      annotations: { "k8s.v1.cni.cncf.io/networks": "macvlan-conf,default/ptp-conf@data0" },
      primaryIfName: "eth0",
      cniArgs: [["A", "1"]],
      cniVersion: "0.4.0",
    });
    const json = await cli("attach", "--pod", "default/demo", "--container-id", "c1", "--netns", "/n", "-o", "json");
    const parsed = JSON.parse(json.out) as {
      interfaces: Array<{ delegateResult: unknown; deviceInfo: unknown }>;
      primaryResult: unknown;
      networkStatus: unknown;
    };
    expect(parsed.primaryResult).toEqual(RESULT.primaryResult);
    expect(parsed.networkStatus).toEqual(RESULT.networkStatus);
    expect(parsed.interfaces[1]?.deviceInfo).toEqual({ type: "pci" });
    expect((requests("attach")[1] as { annotations?: unknown }).annotations).toBeUndefined();
  });

  it("detach prints what was removed; without --netns the daemon uses the saved netns, --netns '' says it is gone", async () => {
    const r = await cli("detach", "--container-id", "c1");
    expect(r.code).toBe(0);
    expect(r.out).toBe("INTERFACE  NETWORK  OUTCOME\neth0       cluster  removed\n");
    expect(r.err).toBe("");
    expect(requests("detach")).toEqual([{ containerId: "c1" }]);
    await cli("detach", "--container-id", "c1", "--netns", "");
    expect(requests("detach")[1]).toEqual({ containerId: "c1", netns: "" });
  });

  it("detach lists the delegates orphaned for the reconciler with their cause, warns on stderr and exits 0 (the DEL succeeded); -o json carries them", async () => {
    const cause = "interface net1 in /var/run/netns/x could not be removed: EBUSY";
    fake.answers.detach = { removed: [], orphaned: [{ network: "default/ptp-conf", ifName: "net1", cause }] };
    const r = await cli("detach", "--container-id", "c1");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      new RegExp(`^INTERFACE\\s+NETWORK\\s+OUTCOME\\nnet1\\s+default/ptp-conf\\s+orphaned: ${cause}\\n$`),
    );
    expect(r.out).not.toContain("nothing attached");
    expect(r.err).toBe(
      "warning: 1 delegate(s) of c1 could not be released (default/ptp-conf@net1): orphaned for the reconciler, which retries them (netattachctl list shows them, netattachctl gc retries them now)\n",
    );
    const json = await cli("detach", "--container-id", "c1", "-o", "json");
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toEqual({ orphaned: [{ network: "default/ptp-conf", interface: "net1", cause }] });
    fake.answers.detach = { removed: [], orphaned: [] };
    expect(await cli("detach", "--container-id", "c1")).toEqual({ code: 0, out: "nothing attached for c1\n", err: "" });
  });

  it("resolve prints each network's source, interface and config", async () => {
    const r = await cli("resolve", "--pod", "default/demo", "--networks", "default/ptp-conf@data0");
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      "1. cluster → eth0 (cluster network)\n   from: conf file /etc/cni/net.d/10-cluster.conflist",
    );
    expect(r.out).toContain(
      "2. default/ptp-conf → data0\n   from: NetworkAttachmentDefinition default/ptp-conf (/defs/ptp.yaml), config from conf file /etc/cni/net.d/40-ptp.conflist",
    );
    expect(r.out).toContain('   runtimeConfig: {"mac":"02:00:00:00:00:09"}');
    expect(r.out).toContain("   default-route: 10.3.0.1");
    expect(r.out).toContain("   CNI_ARGS: foo=bar");
    const json = JSON.parse((await cli("resolve", "--pod", "default/demo", "-o", "json")).out) as {
      networks: Array<{ config: unknown; origin: unknown }>;
    };
    expect(json.networks[1]?.config).toEqual(PLAN.delegates[1]!.config);
    expect(json.networks[0]?.origin).toEqual({ confFile: { path: "/etc/cni/net.d/10-cluster.conflist" } });
  });

  it("resolve prints the warnings of relaxed checks after the plan, and in JSON", async () => {
    const warning = {
      code: "DEFAULT_ROUTE_CONFLICT",
      message: "two IPv4 default routes (0.0.0.0/0) for one pod: …",
      networks: ["cluster", "default/ptp-conf"],
    };
    fake.answers.resolve = { plan: PLAN, warnings: [warning] };
    const r = await cli("resolve", "--pod", "default/demo");
    expect(r.code).toBe(0);
    expect(
      r.out.endsWith("\nwarning: DEFAULT_ROUTE_CONFLICT: two IPv4 default routes (0.0.0.0/0) for one pod: …\n"),
    ).toBe(true);
    const json = JSON.parse((await cli("resolve", "--pod", "default/demo", "-o", "json")).out) as { warnings: unknown };
    expect(json.warnings).toEqual([
      { reason: "DEFAULT_ROUTE_CONFLICT", message: warning.message, networks: warning.networks },
    ]);
  });

  it("resolve -o json|yaml prints enums by name and leaves out empty fields", async () => {
    const json = JSON.parse((await cli("resolve", "--pod", "default/demo", "-o", "json")).out) as {
      networks: Array<{ origin: unknown; defaultRoute?: unknown }>;
    };
    expect(json.networks[1]?.origin).toEqual({
      definition: {
        namespace: "default",
        name: "ptp-conf",
        manifestPath: "/defs/ptp.yaml",
        configFrom: "CONFIG_FROM_CONF_FILE",
        confPath: "/etc/cni/net.d/40-ptp.conflist",
      },
    });
    expect(json.networks[2]?.origin).toEqual({
      definition: { namespace: "default", name: "macvlan-conf", configFrom: "CONFIG_FROM_SPEC_CONFIG" },
    });
    expect(json.networks[1]?.defaultRoute).toEqual({ gateways: ["10.3.0.1"] });
    const yaml = await cli("resolve", "--pod", "default/demo", "-o", "yaml");
    expect(yaml.code).toBe(0);
    expect(yaml.out).toContain("configFrom: CONFIG_FROM_SPEC_CONFIG\n");
    expect(parseYaml(yaml.out)).toEqual(json);
  });

  it("global flags work before the command, and -o anywhere", async () => {
    const before = await cliWith({}, "--socket", d.socketPath, "-o", "json", "status");
    expect(before.err).toBe("");
    expect(JSON.parse(before.out)).toMatchObject({ ready: true, health: "SERVING" });
    const inline = await cliWith({}, `--socket=${d.socketPath}`, "list", "-oyaml");
    expect(parseYaml(inline.out)).toMatchObject({ attachments: [{ containerId: "c1" }] });
    const bad = await cliWith({}, "--bogus", "status");
    expect(bad).toMatchObject({ code: 2, out: "" });
    expect(bad.err).toContain('unknown flag "--bogus" before the command');
  });

  it("list -o wide adds MAC, NETNS, GATEWAYS and CAUSE; -o json keeps an empty list", async () => {
    fake.answers.list = { attachments: [...LIST, ORPHAN], unreadable: [] };
    const wide = await cli("list", "-o", "wide");
    expect(wide.out).toBe(
      [
        "CONTAINER  POD           PHASE     INTERFACE  NETWORK               IPS          DEFAULT  MAC  NETNS  GATEWAYS  CREATED                   CAUSE",
        "c1         default/demo  attached  eth0       cluster               10.0.0.2/24           -    /n     -         2025-01-02T03:04:05.000Z  -",
        "c1         default/demo  attached  net1       default/macvlan-conf  10.1.0.2/24  yes      -    /n     10.1.0.1  2025-01-02T03:04:05.000Z  -",
        'c0         default/demo  orphaned  net1       default/macvlan-conf  10.1.0.9/24           -    /gone  -         2025-01-02T03:00:00.000Z  network "default/macvlan-conf" (net1) orphaned: addresses could not be released',
        "",
      ].join("\n"),
    );
    const json = JSON.parse((await cli("list", "-o", "json")).out) as { attachments: Array<Record<string, unknown>> };
    expect(json.attachments[1]).toMatchObject({
      containerId: "c0",
      phase: "ATTACHMENT_PHASE_ORPHANED",
      cause: ORPHAN.cause,
      history: [
        {
          time: "2025-01-02T03:05:00.000Z",
          event: "ATTACHMENT_HISTORY_EVENT_DEL_FAILED",
          network: "default/macvlan-conf",
          interface: "net1",
          plugin: "macvlan",
          reason: "PLUGIN_FAILED",
          message: "Link not found",
        },
      ],
    });
    fake.answers.list = { attachments: [], unreadable: [] };
    expect(JSON.parse((await cli("list", "-o", "json")).out)).toEqual({ attachments: [] });
    expect((await cli("list")).out).toBe("no attachments\n");
  });

  it("list shows a phase and a history event a newer netattachd saved as they are, never blanked; -o json carries them", async () => {
    const newer = {
      ...ORPHAN,
      phase: "quiescing",
      history: [{ ...ORPHAN.history[0]!, event: "migrated" }],
    } as unknown as AttachmentSummary;
    fake.answers.list = { attachments: [newer], unreadable: [] };
    expect((await cli("list")).out).toBe(
      [
        "CONTAINER  POD           PHASE                                   INTERFACE  NETWORK               IPS          DEFAULT  CREATED",
        "c0         default/demo  quiescing (unknown to this netattachd)  net1       default/macvlan-conf  10.1.0.9/24           2025-01-02T03:00:00.000Z",
        "",
      ].join("\n"),
    );
    const json = JSON.parse((await cli("list", "-o", "json")).out) as { attachments: Array<Record<string, unknown>> };
    expect(json.attachments[0]).toMatchObject({ containerId: "c0", unknownPhase: "quiescing" });
    expect(json.attachments[0]?.phase).toBeUndefined();
    expect(json.attachments[0]?.history).toEqual([
      {
        time: "2025-01-02T03:05:00.000Z",
        unknownEvent: "migrated",
        network: "default/macvlan-conf",
        interface: "net1",
        plugin: "macvlan",
        reason: "PLUGIN_FAILED",
        message: "Link not found",
      },
    ]);
  });

  it("list prints one line per interface with its phase; DEFAULT marks the interface holding the default route, not the cluster network", async () => {
    const r = await cli("list", "--pod", "default/demo");
    expect(r.out).toBe(
      [
        "CONTAINER  POD           PHASE     INTERFACE  NETWORK               IPS          DEFAULT  CREATED",
        "c1         default/demo  attached  eth0       cluster               10.0.0.2/24           2025-01-02T03:04:05.000Z",
        "c1         default/demo  attached  net1       default/macvlan-conf  10.1.0.2/24  yes      2025-01-02T03:04:05.000Z",
        "",
      ].join("\n"),
    );
    expect(requests("list")).toEqual([{ podNamespace: "default", podName: "demo" }]);
  });

  it("gc runs one pass and prints what it removed; --dry-run asks for a report only", async () => {
    const r = await cli("gc");
    expect(r).toMatchObject({ code: 0, err: "" });
    expect(r.out).toBe(
      [
        "judged by: netns existence",
        "note: no container runtime socket at /run/containerd/containerd.sock: sandboxes are judged by netns existence",
        "CONTAINER  POD           REASON      OUTCOME  INTERFACES    IPS",
        "c9         default/demo  netns-gone  removed  eth0:cluster  10.0.0.9/24",
        "",
      ].join("\n"),
    );
    expect(requests("gc")).toEqual([{}]);

    fake.answers.gc = {
      ...GC,
      removedContainerIds: [],
      dryRun: true,
      items: GC.items.map((i) => ({ ...i, outcome: "would-remove" as const })),
    };
    const dry = await cli("gc", "--dry-run", "-o", "wide");
    expect(dry.out.split("\n").slice(0, 1)).toEqual(["dry run: nothing was removed"]);
    expect(dry.out).toContain(
      "c9         default/demo  netns-gone  would-remove  eth0:cluster  10.0.0.9/24  /run/netns/gone  -",
    );
    expect(requests("gc")[1]).toEqual({ dryRun: true });
    const json = JSON.parse((await cli("gc", "--dry-run", "-o", "json")).out) as {
      report: { dryRun: boolean; items: Array<{ reason: string; outcome: string }> };
    };
    expect(json.report).toMatchObject({
      dryRun: true,
      items: [{ reason: "GARBAGE_COLLECT_REASON_NETNS_GONE", outcome: "GARBAGE_COLLECT_OUTCOME_WOULD_REMOVE" }],
    });
  });

  it("gc exits 1 and prints the errors when the pass met some", async () => {
    fake.answers.gc = { ...GC, items: [], errors: ['network "cluster": GC failed with CNI code 11'] };
    const r = await cli("gc");
    expect(r.code).toBe(1);
    expect(r.out).toContain('nothing to remove\nerror: network "cluster": GC failed with CNI code 11\n');
  });

  it("status exits 0 when ready and 1 when not, with the reasons", async () => {
    const ok = await cli("status");
    expect(ok).toMatchObject({
      code: 0,
      out: "ready: yes\nhealth: SERVING\ncluster network: cluster (CNI STATUS ok)\n",
    });
    fake.answers.status = {
      ready: false,
      reasons: ['cluster network "cluster" STATUS failed: no bridge'],
      clusterNetwork: { name: "cluster", ok: false, cniCode: 50, message: "no bridge" },
    };
    const bad = await cli("status", "-o", "json");
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.out)).toMatchObject({ ready: false, clusterNetwork: { cniCode: 50 } });
  });

  it("a failed call is printed once: text on stderr, or only JSON on stdout with -o json; exit 1", async () => {
    fake.answers.attach = new DaemonError("PLUGIN_FAILED", 'network "default/x" (net1): plugin "macvlan" failed', {
      network: "default/x",
      plugin: "macvlan",
      cniCode: 7,
      stderr: "line1\nline2",
    });
    const text = await cli("attach", "--pod", "default/demo", "--container-id", "c1", "--netns", "/n");
    expect(text.code).toBe(1);
    expect(text.out).toBe("");
    expect(text.err).toBe(
      'netattachctl attach: INVALID_ARGUMENT PLUGIN_FAILED: network "default/x" (net1): plugin "macvlan" failed\n  cniCode: 7\n  network: default/x\n  plugin: macvlan\n  plugin stderr:\n    line1\n    line2\n',
    );
    const r = await cli("attach", "--pod", "default/demo", "--container-id", "c1", "--netns", "/n", "-o", "json");
    expect(r.code).toBe(1);
    expect(r.err).toBe("");
    expect(JSON.parse(r.out)).toEqual({
      error: {
        code: "INVALID_ARGUMENT",
        reason: "PLUGIN_FAILED",
        message: 'network "default/x" (net1): plugin "macvlan" failed',
        metadata: { cniCode: "7", network: "default/x", plugin: "macvlan", stderr: "line1\nline2" },
      },
    });
  });

  it("usage errors exit 2 without calling the daemon", async () => {
    expect((await cli("attach", "--pod", "default/demo")).code).toBe(2);
    expect((await cli("attach", "--pod", "nopod", "--container-id", "c", "--netns", "/n")).code).toBe(2);
    expect((await cli("list", "--output", "xml")).code).toBe(2);
    const json = await cli("attach", "--pod", "default/demo", "-o", "json");
    expect(json).toMatchObject({ code: 2, err: "" });
    expect(JSON.parse(json.out)).toEqual({
      error: { code: "USAGE", message: "--container-id and --netns are required", metadata: {} },
    });
    expect((await cli("detach", "--bogus")).code).toBe(2);
    expect((await cli("resolve", "--pod", "a/b", "--runtime-config", "{")).code).toBe(2);
    expect(fake.calls.filter((c) => c.method !== "status")).toEqual([]);
  });

  const SANDBOX = ["--pod", "default/demo", "--container-id", "c1", "--netns", "/n"];

  it.each([
    [
      "--runtime-config",
      '{"portMappings":[{"hostPort":"abc","containerPort":80}]}',
      '--runtime-config: portMappings[0].hostPort must be a port number 1-65535, got "abc"',
    ],
    [
      "--runtime-config",
      '{"portMappings":[{"hostPort":80,"containerPort":70000}]}',
      "--runtime-config: portMappings[0].containerPort must be a port number 1-65535, got 70000",
    ],
    [
      "--runtime-config",
      '{"portMappings":[{"hostPort":80,"containerPort":80,"hostIP":"10.0.0.1"}]}',
      "--runtime-config: portMappings[0].hostIP is not a field of PortMapping (fields: hostPort, containerPort, protocol, hostIp)",
    ],
    [
      "--runtime-config",
      '{"bandwidth":{"ingressRate":"zz"}}',
      '--runtime-config: bandwidth.ingressRate must be an integer of at least 8 (the plugin counts whole bytes), got "zz"',
    ],
    [
      "--runtime-config",
      '{"portMappings":[{"containerPort":80}]}',
      "--runtime-config: portMappings[0].hostPort is required",
    ],
    ["--runtime-config", '{"dns":{"servers":[1]}}', "--runtime-config: dns.servers[0] must be a string, got 1"],
    ["--runtime-config", "[1]", "--runtime-config must be a JSON object, got [1]"],
    [
      "--selections",
      '[{"name":"x","portMappings":[{"hostPort":"x","containerPort":80}]}]',
      '--selections: [0].portMappings[0].hostPort must be a port number 1-65535, got "x"',
    ],
    ["--selections", "[null]", "--selections: [0] must be a JSON object, got null"],
    ["--selections", '[{"name":1}]', "--selections: [0].name must be a string, got 1"],
    ["--selections", '[{"interface":"net1"}]', "--selections: [0].name is required"],
    ["--selections", '{"name":"x"}', '--selections must be a JSON list, got {"name":"x"}'],
    [
      "--selections",
      '[{"name":"ptp-conf","cniArgsJson":{"a":1}}]',
      '--selections: [0].cniArgsJson must be a string holding a JSON object, e.g. "{\\"key\\":\\"value\\"}", got {"a":1}',
    ],
  ])("%s %s is a usage error naming the flag and the field, exit 2, no call", async (flag, value, message) => {
    for (const command of ["attach", "resolve"]) {
      const r = await cli(command, ...SANDBOX, flag, value);
      expect(r).toEqual({
        code: 2,
        out: "",
        err: `netattachctl ${command}: ${message}\n(run "netattachctl ${command} --help")\n`,
      });
    }
    const json = await cli("attach", ...SANDBOX, flag, value, "-o", "json");
    expect(json).toMatchObject({ code: 2, err: "" });
    expect(JSON.parse(json.out)).toEqual({ error: { code: "USAGE", message, metadata: {} } });
    expect(fake.calls.filter((c) => c.method !== "status")).toEqual([]);
  });

  it("--selections and --runtime-config take proto JSON: integers as text, null as absent, *Json as a string", async () => {
    const r = await cli(
      "attach",
      ...SANDBOX,
      "--selections",
      '[{"name":"ptp-conf","interface":"data0","mac":null,"cniArgsJson":"{\\"a\\":\\"b\\"}","portMappings":[{"hostPort":"8080","containerPort":80}]}]',
      "--runtime-config",
      '{"bandwidth":{"ingressRate":"1000000","ingressBurst":2000},"extraJson":"{\\"x\\":1}"}',
    );
    expect(r).toMatchObject({ code: 0, err: "" });
    expect(requests("attach")[0]).toMatchObject({
      selections: [
        {
          name: "ptp-conf",
          interface: "data0",
          cniArgs: { a: "b" },
          portMappings: [{ hostPort: 8080, containerPort: 80 }],
        },
      ],
      runtimeConfig: { bandwidth: { ingressRate: 1_000_000, ingressBurst: 2000 }, extra: { x: 1 } },
    });
  });

  it("a relative socket path (--socket or NETATTACH_SOCKET) is taken from the working directory", async () => {
    const dir = dirname(d.socketPath);
    const name = basename(d.socketPath);
    for (const rel of [name, `./${name}`, `../${basename(dir)}/${name}`]) {
      expect(await cliIn(dir, {}, "status", "--socket", rel, "--timeout", "5s")).toMatchObject({ code: 0, err: "" });
      expect(await cliIn(dir, { NETATTACH_SOCKET: rel }, "status", "--timeout", "5s")).toMatchObject({
        code: 0,
        err: "",
      });
    }
  });

  it("a reader that closes stdout early (| head) ends it quietly, exit 0, no EPIPE trace", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "tools/src/main.ts", "list", "-o", "json"], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", NETATTACH_SOCKET: d.socketPath },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    const code = await new Promise((done) => child.on("close", done));
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(requests("list")).toHaveLength(1);
  });

  it("an unreachable daemon is a failure with a hint, exit 1", async () => {
    let err = "";
    const code = await runCli({
      argv: ["status", "--socket", "/nonexistent/n.sock", "--timeout", "2s"],
      env: {},
      stdout: { write: () => undefined },
      stderr: { write: (s: string) => (err += s) },
    });
    expect(code).toBe(1);
    expect(err).toBe(
      "netattachctl status: UNAVAILABLE: cannot reach netattachd at /nonexistent/n.sock: connect ENOENT /nonexistent/n.sock\n" +
        "  (is netattachd running? the socket comes from --socket or NETATTACH_SOCKET)\n",
    );
    expect(err).not.toContain("Resolution note");
  });
});

describe("netattachctl over the daemon's TCP listener (mutual TLS)", () => {
  it("works with a client certificate from the daemon's CA, and names the missing flags otherwise", async () => {
    const certs = makeMtlsFiles();
    const files = {
      ca: join(certs.dir, "ca.pem"),
      cert: join(certs.dir, "client.pem"),
      key: join(certs.dir, "client.key"),
    };
    const tcp = await startDaemonWith(fake, {
      tcpListen: "127.0.0.1:0",
      tls: { cert: certs.server.cert, key: certs.server.key, clientCa: certs.ca },
    });
    try {
      const target = `127.0.0.1:${tcp.tcpPort}`;
      const ok = await cliWith(
        {},
        "--socket",
        target,
        "--certificate-authority",
        files.ca,
        "--client-certificate",
        files.cert,
        "--client-key",
        files.key,
        "status",
        "-o",
        "json",
      );
      expect(ok.err).toBe("");
      expect(JSON.parse(ok.out)).toMatchObject({ ready: true });
      const partial = await cliWith({}, "status", "--socket", target, "--certificate-authority", files.ca);
      expect(partial.code).toBe(2);
      expect(partial.err).toContain(
        "mutual TLS needs all of --certificate-authority, --client-certificate, --client-key (got --certificate-authority)",
      );
      const plaintext = await cliWith({}, "status", "--socket", target, "--timeout", "3s");
      expect(plaintext.code).toBe(1);
      const tlsFlags = (ca: string, name: string): string[] => [
        "--certificate-authority",
        join(certs.dir, ca),
        "--client-certificate",
        join(certs.dir, `${name}.pem`),
        "--client-key",
        join(certs.dir, `${name}.key`),
      ];
      // The daemon refuses a client certificate of another CA; netattachctl a server certificate of another CA.
      const rogue = await cliWith({}, "status", "--socket", target, "--timeout", "3s", ...tlsFlags("ca.pem", "rogue"));
      const wrongCa = await cliWith(
        {},
        "status",
        "--socket",
        target,
        "--timeout",
        "3s",
        ...tlsFlags("rogue-ca.pem", "client"),
      );
      const refused = `netattachctl status: UNAVAILABLE: cannot reach netattachd at ${target}: the TLS handshake was refused or failed: `;
      const hint =
        "  (netattachd refuses a client certificate that does not chain to its tls.clientCaFile, and netattachctl a " +
        "server certificate not from --certificate-authority or not naming this address; see docs/tls.md)\n";
      // grpc-js says "Failed to connect" or "read ECONNRESET" for it, depending on timing.
      expect(rogue).toMatchObject({ code: 1, out: "" });
      expect(rogue.err.startsWith(refused) && rogue.err.endsWith(`\n${hint}`)).toBe(true);
      expect(wrongCa).toEqual({
        code: 1,
        out: "",
        err: `${refused}self-signed certificate in certificate chain\n${hint}`,
      });
    } finally {
      await tcp.stop();
      certs.cleanup();
    }
  });
});
