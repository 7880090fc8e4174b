// The conflist `netattachctl install` writes, and the deploy/ manifests that run it on every
// node (parsed, kinds and API versions checked, cross-references resolved). The real
// directories and a running binary are in test/integration/shim-install.test.ts.
import { readFileSync, readdirSync } from "node:fs";
import * as fsp from "node:fs/promises";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { parseAllDocuments, parse as parseYaml } from "yaml";
import { DEFAULTS, loadConfig } from "../../../server/src/config/index.js";
import { DAEMON_NODE_FLAGS } from "../../image/build-image.js";
import { runCli } from "../cli.js";
import { installCommand, renderConflist, SHIM_CAPABILITIES } from "./install.js";

// readdir passes through, but a test can make one listing fail (as root, no real directory refuses it).
vi.mock("node:fs/promises", async (importOriginal) => {
  const actual = await importOriginal<typeof fsp>();
  return { ...actual, readdir: vi.fn(actual.readdir) };
});

const options = {
  shim: "/s",
  binDir: "/b",
  confDir: "/c",
  socket: "/run/netattach/netattach.sock",
  clusterNetwork: undefined,
  cniVersion: "1.0.0",
  readinessTimeoutMs: 30_000,
  logFile: undefined,
  logLevel: undefined,
  uninstall: false,
};

describe("renderConflist", () => {
  it("keeps cniVersion 1.0.0 for containerd 1.6 and offers 1.1.0 to newer runtimes", () => {
    const c = JSON.parse(renderConflist(options, { name: "cbr0", file: "10-bridge.conflist" })) as Record<
      string,
      unknown
    >;
    expect(c).toMatchObject({ cniVersion: "1.0.0", cniVersions: ["1.0.0", "1.1.0"], name: "netattach" });
    expect((c.plugins as Record<string, unknown>[])[0]).toMatchObject({
      type: "netattach-cni",
      socketPath: options.socket,
      clusterNetwork: "cbr0",
      clusterNetworkFile: "10-bridge.conflist",
    });
  });

  it("declares every capability the shim forwards, and only those", () => {
    const c = JSON.parse(renderConflist(options, { name: "cbr0" })) as {
      plugins: { capabilities: Record<string, boolean> }[];
    };
    expect(Object.keys(c.plugins[0]?.capabilities ?? {})).toEqual([...SHIM_CAPABILITIES]);
  });

  it("passes the shim's log settings through only when given", () => {
    const c = JSON.parse(
      renderConflist({ ...options, logFile: "/var/log/netattach-cni.log", logLevel: "debug" }, { name: "x" }),
    ) as { plugins: Record<string, unknown>[] };
    expect(c.plugins[0]).toMatchObject({ logFile: "/var/log/netattach-cni.log", logLevel: "debug" });
    expect(JSON.parse(renderConflist(options, { name: "x" })).plugins[0]).not.toHaveProperty("logFile");
  });
});

type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [k: string]: unknown;
};

interface Container {
  name: string;
  command: string[];
  volumeMounts: { name: string }[];
  readinessProbe?: { httpGet: { host: string; port: number; path: string } };
  livenessProbe?: { httpGet: { host: string; port: number; path: string } };
}
interface DaemonSet extends K8sObject {
  spec: {
    selector: { matchLabels: Record<string, string> };
    template: {
      metadata: { labels: Record<string, string> };
      spec: {
        serviceAccountName: string;
        volumes: { name: string }[];
        initContainers: Container[];
        containers: Container[];
      };
    };
  };
}
interface Crd extends K8sObject {
  spec: {
    group: string;
    names: { plural: string };
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      schema: { openAPIV3Schema: { properties: { spec: { properties: { config: { type: string } } } } } };
    }[];
  };
}

const DEPLOY = new URL("../../../deploy/", import.meta.url);
const objects: K8sObject[] = readdirSync(DEPLOY)
  .filter((f) => f.endsWith(".yaml"))
  .flatMap((f) =>
    parseAllDocuments(readFileSync(new URL(f, DEPLOY), "utf8")).map((doc) => {
      if (doc.errors.length > 0) throw new Error(`deploy/${f}: ${doc.errors.map((e) => e.message).join("; ")}`);
      return doc.toJS() as K8sObject;
    }),
  );
const find = (kind: string): K8sObject => {
  const o = objects.find((x) => x.kind === kind);
  if (o === undefined) throw new Error(`no ${kind} in deploy/`);
  return o;
};

describe("deploy/ manifests", () => {
  it("hold exactly the expected kinds, each with its API version", () => {
    expect(objects.map((o) => `${o.apiVersion} ${o.kind}`).sort()).toEqual([
      "apiextensions.k8s.io/v1 CustomResourceDefinition",
      "apps/v1 DaemonSet",
      "rbac.authorization.k8s.io/v1 ClusterRole",
      "rbac.authorization.k8s.io/v1 ClusterRoleBinding",
      "v1 ConfigMap",
      "v1 ServiceAccount",
    ]);
  });

  it("define the NetworkAttachmentDefinition CRD of the multi-net spec", () => {
    const crd = find("CustomResourceDefinition") as Crd;
    expect(crd.metadata.name).toBe(`${crd.spec.names.plural}.${crd.spec.group}`);
    expect(crd.spec).toMatchObject({
      group: "k8s.cni.cncf.io",
      scope: "Namespaced",
      names: {
        kind: "NetworkAttachmentDefinition",
        plural: "network-attachment-definitions",
        shortNames: ["net-attach-def"],
      },
    });
    const v1 = crd.spec.versions.find((v) => v.name === "v1");
    expect(v1).toMatchObject({ served: true, storage: true });
    expect(v1?.schema.openAPIV3Schema.properties.spec.properties.config.type).toBe("string");
  });

  it("grant what the daemon calls: pods get/list/watch, pods/status patch, NADs get/list/watch", () => {
    const role = find("ClusterRole") as K8sObject & {
      rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
    };
    const can = (group: string, resource: string, verb: string): boolean =>
      role.rules.some((r) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb));
    for (const v of ["get", "list", "watch"]) {
      expect(can("", "pods", v)).toBe(true);
      expect(can("k8s.cni.cncf.io", "network-attachment-definitions", v)).toBe(true);
    }
    expect(can("", "pods/status", "patch")).toBe(true);
    expect(can("", "pods", "update")).toBe(false);
    const binding = find("ClusterRoleBinding") as K8sObject & {
      roleRef: { kind: string; name: string };
      subjects: { kind: string; name: string; namespace: string }[];
    };
    const sa = find("ServiceAccount");
    expect(binding.roleRef).toMatchObject({ kind: "ClusterRole", name: role.metadata.name });
    expect(binding.subjects).toEqual([
      { kind: "ServiceAccount", name: sa.metadata.name, namespace: sa.metadata.namespace },
    ]);
  });

  it("run the DaemonSet with a selector matching its pods, the ServiceAccount, and volumes that exist", () => {
    const ds = find("DaemonSet") as DaemonSet;
    const labels = ds.spec.template.metadata.labels;
    for (const [k, v] of Object.entries(ds.spec.selector.matchLabels)) expect(labels[k]).toBe(v);
    expect(ds.spec.template.spec.serviceAccountName).toBe(find("ServiceAccount").metadata.name);
    expect(ds.metadata.namespace).toBe(find("ServiceAccount").metadata.namespace);
    const volumes = new Set(ds.spec.template.spec.volumes.map((v) => v.name));
    const containers = [...ds.spec.template.spec.initContainers, ...ds.spec.template.spec.containers];
    for (const c of containers) for (const m of c.volumeMounts) expect(volumes).toContain(m.name);
  });

  it("run the bundles `npm run build` writes with node, from the shim's directory", () => {
    const ds = find("DaemonSet") as DaemonSet;
    const [init] = ds.spec.template.spec.initContainers;
    const daemon = ds.spec.template.spec.containers.find((c) => c.name === "netattachd");
    const shim = init?.command.find((a) => a.startsWith("--shim="))?.slice("--shim=".length) ?? "";
    const lib = shim.slice(0, shim.lastIndexOf("/"));
    expect(shim).toBe(`${lib}/netattach-cni`);
    expect(init?.command.slice(0, 2)).toEqual(["node", `${lib}/netattachctl.mjs`]);
    // The daemon with the image's node flags (measured, see DAEMON_NODE_FLAGS), then the bundle.
    expect(daemon?.command.slice(0, 2 + DAEMON_NODE_FLAGS.length)).toEqual([
      "node",
      ...DAEMON_NODE_FLAGS,
      `${lib}/netattachd.mjs`,
    ]);
  });

  it("probe /readyz and /healthz on the HTTP listener the ConfigMap configures", async () => {
    const cm = find("ConfigMap") as K8sObject & { data: Record<string, string> };
    const daemon = (find("DaemonSet") as DaemonSet).spec.template.spec.containers.find((c) => c.name === "netattachd");
    const listen =
      (parseYaml(cm.data["netattachd.yaml"] ?? "") as { metricsListen?: string }).metricsListen ??
      DEFAULTS.metricsListen;
    expect(listen).toBe(DEFAULTS.metricsListen);
    const [host, port] = listen.split(":");
    expect(daemon?.readinessProbe?.httpGet).toEqual({ host, port: Number(port), path: "/readyz" });
    expect(daemon?.livenessProbe?.httpGet).toEqual({ host, port: Number(port), path: "/healthz" });
  });

  it("run `netattachctl install` with flags it accepts, before the daemon", () => {
    const ds = find("DaemonSet") as DaemonSet;
    const [init] = ds.spec.template.spec.initContainers;
    expect(init?.command[2]).toBe("install");
    for (const arg of init?.command.slice(3) ?? []) expect(installCommand.usage).toContain(`${arg.split("=")[0]} `);
  });

  it("give netattachd a config its own loader accepts, with the cluster network from the ConfigMap", async () => {
    const cm = find("ConfigMap") as K8sObject & { data: Record<string, string> };
    const ds = find("DaemonSet") as DaemonSet;
    const daemon = ds.spec.template.spec.containers.find((c) => c.name === "netattachd");
    const argv = (daemon?.command.slice(2 + DAEMON_NODE_FLAGS.length) ?? []).map((a) =>
      a.replace("$(CLUSTER_NETWORK)", cm.data.clusterNetwork ?? ""),
    );
    const loaded = await loadConfig({
      argv,
      env: { NODE_NAME: "node-1" },
      cwd: "/",
      readFile: async () => cm.data["netattachd.yaml"] ?? "",
    });
    expect(loaded).toMatchObject({
      config: {
        clusterNetwork: "cbr0",
        socketPath: "/run/netattach/netattach.sock",
        kubernetes: { mode: "in-cluster", nodeName: "node-1" },
      },
    });
    expect(parseYaml(cm.data["netattachd.yaml"] ?? "")).toMatchObject({ cniConfDir: "/etc/cni/net.d" });
  });
});

describe("install and --uninstall on a node's directories", () => {
  let dir: string;
  let bin: string;
  let conf: string;
  let state: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "na-install-unit-"));
    [bin, conf, state] = ["bin", "net.d", "state"].map((d) => join(dir, d)) as [string, string, string];
    await mkdir(bin);
    await mkdir(conf);
    await writeFile(join(dir, "shim"), "#!/bin/sh\n", { mode: 0o755 });
    await writeFile(join(conf, "10-cbr0.conflist"), JSON.stringify({ cniVersion: "1.0.0", name: "cbr0", plugins: [] }));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function ctl(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = "";
    let err = "";
    const flags = ["--shim", join(dir, "shim"), "--bin-dir", bin, "--conf-dir", conf, "--state-dir", state];
    const code = await runCli({
      argv: ["install", ...flags, ...argv],
      env: {},
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: (s: string) => (err += s) },
      cwd: dir,
    });
    return { code, out, err };
  }
  const ls = async (d: string): Promise<string[]> => (await readdir(d)).sort();

  /** A record as netattachd saves it, with the cluster network and `secondaries` more. */
  async function saveRecord(
    kind: "attachments" | "orphans" | "attachments/attachments",
    id: string,
    pod: string,
    secondaries: number,
  ) {
    const [namespace, name] = pod.split("/");
    const delegate = (i: number) => ({
      network: i === 0 ? "cbr0" : `default/net${i}`,
      ifName: i === 0 ? "eth0" : `net${i}`,
      isDefault: i === 0,
      config: {},
      capabilityArgs: {},
      cniArgs: [],
      origin: { kind: "file", path: "/x" },
    });
    const record = {
      version: 1,
      plan: {
        containerId: id,
        netns: `/var/run/netns/${id}`,
        pod: { namespace, name, uid: "u" },
        primaryIfName: "eth0",
        delegates: Array.from({ length: 1 + secondaries }, (_, i) => delegate(i)),
      },
      results: {},
      phase: kind === "orphans" ? "orphaned" : "attached",
      createdAt: "2026-12-07T12:00:00.000Z",
      updatedAt: "2026-12-07T12:00:00.000Z",
    };
    await mkdir(join(state, kind), { recursive: true });
    await writeFile(join(state, kind, `${id}.json`), JSON.stringify(record));
  }

  it("removes the temp files its own interrupted writes left beside the shim and the conflist, and no other file", async () => {
    const others = [".bridge.0123456789ab.tmp", ".netattach-cni.old", "netattach-cni.1b8c2a2db603.tmp"];
    for (const name of [...others, ".netattach-cni.1b8c2a2db603.tmp", ".netattach-cni.c309f4d38683.tmp"])
      await writeFile(join(bin, name), "partial copy");
    await writeFile(join(conf, ".00-netattach.conflist.0123456789ab.tmp"), "{");

    const r = await ctl();
    expect(r.code).toBe(0);
    expect(r.out).toContain(`removed stale temp file ${join(bin, ".netattach-cni.1b8c2a2db603.tmp")}\n`);
    expect(r.out).toContain(`removed stale temp file ${join(conf, ".00-netattach.conflist.0123456789ab.tmp")}\n`);
    expect(await ls(bin)).toEqual([...others, "netattach-cni"].sort());
    expect(await ls(conf)).toEqual(["00-netattach.conflist", "10-cbr0.conflist"]);

    // An install interrupted again, then --uninstall: it leaves nothing of ours either.
    await mkdir(state);
    await writeFile(join(bin, ".netattach-cni.fc21c4e963e2.tmp"), "partial copy");
    await writeFile(join(conf, ".00-netattach.conflist.aaaaaaaaaaaa.tmp"), "{");
    const u = await ctl("--uninstall");
    expect(u.code).toBe(0);
    expect(u.err).toBe("");
    expect(await ls(bin)).toEqual([...others].sort());
    expect(await ls(conf)).toEqual(["10-cbr0.conflist"]);
  });

  it("a directory whose listing fails is named on stderr with the error, and the install goes on", async () => {
    const actual = vi.mocked(fsp.readdir).getMockImplementation()!;
    const eacces = Object.assign(new Error(`EACCES: permission denied, scandir '${bin}'`), { code: "EACCES" });
    const listing = actual as (...args: unknown[]) => Promise<unknown>;
    vi.mocked(fsp.readdir).mockImplementation(((...args: unknown[]) =>
      args[0] === bin ? Promise.reject(eacces) : listing(...args)) as typeof actual);
    try {
      const r = await ctl();
      expect(r.code).toBe(0);
      expect(r.err).toBe(
        `warning: cannot list ${bin} for stale temp files of ${join(bin, "netattach-cni")}: EACCES: permission denied, scandir '${bin}'; none removed\n`,
      );
      expect(r.out).toContain(`installed ${join(bin, "netattach-cni")}\n`);
    } finally {
      vi.mocked(fsp.readdir).mockImplementation(actual);
    }
    expect(await ls(bin)).toEqual(["netattach-cni"]);
  });

  it("--uninstall refuses, removing nothing, while saved attachments hold secondary networks or orphans; --force uninstalls", async () => {
    expect((await ctl()).code).toBe(0);
    await saveRecord("attachments", "c1", "default/web-1", 2);
    await saveRecord("attachments", "c2", "default/plain", 0);
    await saveRecord("orphans", "c3", "default/gone", 1);

    const r = await ctl("--uninstall");
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `netattachctl install: ${state} holds 1 saved attachment(s) with secondary networks (default/web-1), ` +
        "1 orphan record(s) of delegates not yet released: without the conflist the runtime tears pods down with the " +
        "cluster network alone, so their secondary networks' addresses stay reserved for good; nothing removed\n" +
        "fix: drain the node (or delete those pods) and let netattachd detach them (orphans: netattachctl gc), then " +
        "uninstall again; --force uninstalls anyway\n",
    );
    expect(await ls(bin)).toEqual(["netattach-cni"]);
    expect(await ls(conf)).toEqual(["00-netattach.conflist", "10-cbr0.conflist"]);

    const f = await ctl("--uninstall", "--force");
    expect(f.code).toBe(0);
    expect(f.err).toMatch(/^warning: .* holds 1 saved attachment\(s\) with secondary networks \(default\/web-1\)/);
    expect(f.out).toContain(`removed ${join(conf, "00-netattach.conflist")}\n`);
    expect(f.out).toContain(`left ${state}: netattachd's saved state`);
    expect(await ls(bin)).toEqual([]);
    // Once the conflist is gone the harm is done: a repeated uninstall warns, and refuses nothing.
    const again = await ctl("--uninstall");
    expect([again.code, again.err.startsWith("warning: ")]).toEqual([0, true]);
  });

  it("--uninstall refuses, removing nothing, when --state-dir does not exist: nothing checked is no proof that nothing is saved; --force uninstalls with a warning", async () => {
    expect((await ctl()).code).toBe(0);
    const typo = `${state}x`;
    const r = await ctl("--uninstall", "--state-dir", typo);
    expect(r).toEqual({
      code: 1,
      out: "",
      err:
        `netattachctl install: --state-dir ${typo} does not exist, so which attachments netattachd saved is unknown ` +
        "(is it netattachd's stateDir, the stateDir key of its config?); nothing removed\n" +
        "fix: pass netattachd's stateDir as --state-dir; --force uninstalls without checking (right only if netattachd never ran on this node)\n",
    });
    expect(await ls(bin)).toEqual(["netattach-cni"]);
    expect(await ls(conf)).toEqual(["00-netattach.conflist", "10-cbr0.conflist"]);

    const f = await ctl("--uninstall", "--state-dir", typo, "--force");
    expect(f.code).toBe(0);
    expect(f.err).toBe(
      `warning: --state-dir ${typo} does not exist, so which attachments netattachd saved is unknown ` +
        "(is it netattachd's stateDir, the stateDir key of its config?); not checked\n",
    );
    expect(await ls(conf)).toEqual(["10-cbr0.conflist"]);
  });

  it("--uninstall counts the records a release up to 0.1 saved under attachments/attachments, which no netattachd has moved yet", async () => {
    expect((await ctl()).code).toBe(0);
    await saveRecord("attachments/attachments", "c1", "default/old-1", 1);
    await saveRecord("attachments", "c2", "default/plain", 0);
    // The same container in both places: the current record wins (only the cluster network here).
    await saveRecord("attachments/attachments", "c2", "default/plain", 1);
    const r = await ctl("--uninstall");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      new RegExp(
        `^netattachctl install: ${state} holds 1 saved attachment\\(s\\) with secondary networks \\(default/old-1\\): `,
      ),
    );
    expect(await ls(conf)).toEqual(["00-netattach.conflist", "10-cbr0.conflist"]);
  });

  it("--uninstall goes ahead when the saved attachments hold only the cluster network: the runtime's own DEL releases it", async () => {
    expect((await ctl()).code).toBe(0);
    await saveRecord("attachments", "c2", "default/plain", 0);
    const r = await ctl("--uninstall");
    expect([r.code, r.err]).toEqual([0, ""]);
    expect(await ls(conf)).toEqual(["10-cbr0.conflist"]);
  });
});
