import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "./config-error.js";
import { DEFAULTS } from "./daemon-config.js";
import { loadConfig, MAX_CONFIG_FILE_BYTES, type LoadConfigInput } from "./load-config.js";

function input(files: Record<string, string>, argv: string[], env: Record<string, string> = {}): LoadConfigInput {
  return {
    argv,
    env,
    cwd: "/work",
    readFile: async (path) => {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT ${path}`), { code: "ENOENT" });
      return text;
    },
  };
}

async function issuesOf(p: Promise<unknown>): Promise<readonly string[]> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return (err as ConfigError).issues;
}

describe("loadConfig", () => {
  it("fills defaults, reads YAML, resolves relative paths against the file's directory", async () => {
    const yaml =
      "clusterNetwork: cbr0\ncniConfDir: net.d\ndefinitionsDir: ./definitions\ncniBinDirs: [/usr/lib/cni, bin]\n";
    const loaded = await loadConfig(input({ "/etc/netattach/d.yaml": yaml }, ["--config", "/etc/netattach/d.yaml"]));
    expect(loaded).toEqual({
      configPath: "/etc/netattach/d.yaml",
      warnings: [],
      config: {
        ...DEFAULTS,
        clusterNetwork: "cbr0",
        cniConfDir: "/etc/netattach/net.d",
        definitionsDir: "/etc/netattach/definitions",
        cniBinDirs: ["/usr/lib/cni", "/etc/netattach/bin"],
      },
    });
  });

  it("reads JSON; flags override the file, relative flag paths are relative to cwd; NODE_NAME fills nodeName", async () => {
    const json = JSON.stringify({
      clusterNetwork: "a",
      logLevel: "warn",
      maxConcurrent: 3,
      kubernetes: { mode: "kubeconfig", kubeconfigPath: "/k" },
    });
    const loaded = await loadConfig(
      input(
        { "/work/c.json": json },
        [
          "-c",
          "c.json",
          "--log-level",
          "debug",
          "--max-concurrent",
          "7",
          "--state-dir",
          "st",
          "--cni-bin-dir",
          "/a",
          "--cni-bin-dir",
          "/b",
          "--namespace-isolation",
        ],
        { NODE_NAME: "n1" },
      ),
    );
    expect("config" in loaded && loaded.config).toMatchObject({
      clusterNetwork: "a",
      logLevel: "debug",
      maxConcurrent: 7,
      stateDir: "/work/st",
      cniBinDirs: ["/a", "/b"],
      namespaceIsolation: true,
      kubernetes: {
        mode: "kubeconfig",
        kubeconfigPath: "/k",
        nodeName: "n1",
        namespaces: [],
        statusFailurePolicy: "fail",
      },
    });
  });

  it("--node-name beats NODE_NAME, the file's nodeName beats NODE_NAME", async () => {
    const flag = await loadConfig(
      input({}, ["--cluster-network", "x", "--kube-mode", "in-cluster", "--node-name", "flag"], { NODE_NAME: "env" }),
    );
    expect("config" in flag && flag.config.kubernetes.nodeName).toBe("flag");
    const file = await loadConfig(
      input({ "/f.yaml": "clusterNetwork: x\nkubernetes: {nodeName: file}\n" }, ["-c", "/f.yaml"], {
        NODE_NAME: "env",
      }),
    );
    expect("config" in file && file.config.kubernetes.nodeName).toBe("file");
  });

  it("a boolean flag alone means true; =true and =false set it (false overriding the file); another value is refused", async () => {
    const yaml = "clusterNetwork: c\nnamespaceIsolation: true\n";
    const isolation = async (...flags: string[]) => {
      const loaded = await loadConfig(input({ "/c.yaml": yaml }, ["-c", "/c.yaml", ...flags]));
      return "config" in loaded ? loaded.config.namespaceIsolation : undefined;
    };
    expect(await isolation("--namespace-isolation")).toBe(true);
    expect(await isolation("--namespace-isolation=true")).toBe(true);
    expect(await isolation("--namespace-isolation=false")).toBe(false);
    expect(
      await issuesOf(loadConfig(input({ "/c.yaml": yaml }, ["-c", "/c.yaml", "--namespace-isolation=yes"]))),
    ).toEqual(['flag --namespace-isolation takes no value, or =true or =false, got "yes"']);
  });

  it("reports every invalid key at once: wrong types, bad values, nested, flags, cross-field; unknown keys are warnings", async () => {
    const yaml = [
      "socketPath: relative-is-resolved-so-fine",
      "bogus: 1",
      "cniBinDirs: /not/a/list",
      "maxConcurrent: 0",
      "namespaceIsolation: 'yes'",
      "logLevel: loud",
      "tcpListen: nonsense",
      "kubernetes:",
      "  mode: cluster",
      "  extra: true",
      "  statusFailurePolicy: maybe",
    ].join("\n");
    const issues = await issuesOf(
      loadConfig(input({ "/c.yaml": yaml }, ["-c", "/c.yaml", "--plugin-timeout-ms", "soon", "--frobnicate", "x"])),
    );
    expect(issues).toEqual([
      'unexpected argument "x"',
      "unknown flag --frobnicate",
      expect.stringMatching(/^cniBinDirs: expected a list of absolute paths, got "\/not\/a\/list"$/),
      expect.stringMatching(/^maxConcurrent: expected an integer from 1 to 10000, got 0$/),
      expect.stringMatching(/^namespaceIsolation: expected true or false, got "yes"$/),
      expect.stringMatching(/^logLevel: expected one of fatal, error/),
      expect.stringMatching(/^tcpListen: expected "host:port"/),
      expect.stringMatching(/^kubernetes\.mode: expected one of none, kubeconfig, in-cluster, got "cluster"$/),
      expect.stringMatching(/^kubernetes\.statusFailurePolicy: expected one of fail, ignore/),
      expect.stringMatching(/^pluginTimeoutMs: expected an integer .* got "soon"$/),
      expect.stringMatching(/^clusterNetwork: required/),
      expect.stringMatching(/^tls: required when tcpListen is set/),
    ]);
    const err = await loadConfig(
      input({ "/c.yaml": yaml }, ["-c", "/c.yaml", "--plugin-timeout-ms", "soon", "--frobnicate", "x"]),
    ).catch((e: unknown) => e as ConfigError);
    expect((err as ConfigError).warnings.map((w) => w.key)).toEqual(["bogus", "kubernetes.extra"]);
  });

  it("ignores keys it does not know at any depth, each a warning naming its path and a known key of another section it is close to", async () => {
    const yaml = [
      "clusterNetwork: c",
      "futureKey: {nested: true}",
      "tcpListen: 127.0.0.1:1",
      "tls: {certFile: /c, keyFile: /k, clientCaFile: /ca, ocspFile: /o}",
      "limits: {maxNetworksPerPod: 8}",
      "hotplug: {}",
      "kubernetes: {statusFailurePolicy: ignore, futureFlag: 1, annotation: true}",
    ].join("\n");
    const loaded = await loadConfig(input({ "/c.yaml": yaml }, ["-c", "/c.yaml"]));
    if (!("config" in loaded)) throw new Error("no config");
    const unknown = "unknown to this netattachd, ignored (a newer release's key, or a typo)";
    expect(loaded.warnings).toEqual([
      { key: "futureKey", message: `futureKey: ${unknown}` },
      { key: "tls.ocspFile", message: `tls.ocspFile: ${unknown}` },
      { key: "kubernetes.futureFlag", message: `kubernetes.futureFlag: ${unknown}` },
      // A near name in another section is a hint, not a typo to refuse.
      {
        key: "kubernetes.annotation",
        message: `kubernetes.annotation: ${unknown}: did you mean hotplug.annotations?`,
      },
    ]);
    // What is known beside them applies; nothing unknown is carried into the config.
    expect(loaded.config.kubernetes.statusFailurePolicy).toBe("ignore");
    expect(loaded.config.kubernetes).not.toHaveProperty("futureFlag");
    expect(loaded.config.limits.maxNetworksPerPod).toBe(8);
    expect(loaded.config.tls).toEqual({ certFile: "/c", keyFile: "/k", clientCaFile: "/ca" });
    expect(loaded.config).not.toHaveProperty("futureKey");
    // A known key with a wrong type or value stays fatal, an unknown key beside it still said.
    const bad = await loadConfig(
      input({ "/c.yaml": "clusterNetwork: c\nkubernetes: 3\nfoo: 1\n" }, ["-c", "/c.yaml"]),
    ).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(ConfigError);
    expect((bad as ConfigError).issues).toEqual([expect.stringMatching(/^kubernetes: /)]);
    expect((bad as ConfigError).warnings.map((w) => w.key)).toEqual(["foo"]);
  });

  it("refuses an unknown key that is a typo of a known one (a sibling, or the same name in another section), naming both, in input order", async () => {
    // Ignored, namespaceIsolaton would leave isolation off and confDirFalback the fallback at all.
    const yaml = [
      "clusterNetwork: c",
      "namespaceIsolaton: true",
      "maxConcurrent: lots",
      "confDirFalback: none",
      "nodeName: misplaced",
      "socketpath: /run/x.sock",
      "kubernetes: {nodname: n}",
      "limits: {maxNetworkPerPod: 9}",
      "reconcile: {gracePeriod: 1}",
      "futureFeature: true",
    ].join("\n");
    const err = await loadConfig(input({ "/c.yaml": yaml }, ["-c", "/c.yaml"])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    const typo = (key: string, known: string): string =>
      `${key}: unknown key, refused as a likely typo (ignoring it would silently leave its value unapplied): did you mean ${known}?`;
    expect((err as ConfigError).issues).toEqual([
      typo("namespaceIsolaton", "namespaceIsolation"),
      expect.stringMatching(/^maxConcurrent: expected an integer/),
      typo("confDirFalback", "confDirFallback"),
      typo("nodeName", "kubernetes.nodeName"),
      typo("socketpath", "socketPath"),
      typo("kubernetes.nodname", "kubernetes.nodeName"),
      typo("limits.maxNetworkPerPod", "limits.maxNetworksPerPod"),
      typo("reconcile.gracePeriod", "reconcile.gracePeriodMs"),
    ]);
    expect((err as ConfigError).warnings.map((w) => w.key)).toEqual(["futureFeature"]);
  });

  it("requires mutual TLS for a TCP listener, resolving its files next to the config file", async () => {
    const without = await issuesOf(
      loadConfig(input({}, ["--cluster-network", "x", "--tcp-listen", "127.0.0.1:50051"])),
    );
    expect(without).toEqual([
      expect.stringMatching(
        /^tls: required when tcpListen is set: the TCP listener serves only clients with a certificate/,
      ),
    ]);
    const partial = await issuesOf(
      loadConfig(
        input({ "/etc/na/c.yaml": "clusterNetwork: x\ntcpListen: 127.0.0.1:1\ntls: {certFile: a.pem}\n" }, [
          "-c",
          "/etc/na/c.yaml",
        ]),
      ),
    );
    expect(partial).toEqual(["tls.keyFile: required when tls is set", "tls.clientCaFile: required when tls is set"]);
    const yaml =
      "clusterNetwork: x\ntcpListen: 127.0.0.1:1\ntls: {certFile: s.pem, keyFile: s.key, clientCaFile: /ca/ca.pem}\n";
    const loaded = await loadConfig(input({ "/etc/na/c.yaml": yaml }, ["-c", "/etc/na/c.yaml"]));
    expect("config" in loaded && loaded.config.tls).toEqual({
      certFile: "/etc/na/s.pem",
      keyFile: "/etc/na/s.key",
      clientCaFile: "/ca/ca.pem",
    });
  });

  it("takes each input limit from the file or its default, within sane bounds", async () => {
    const loaded = await loadConfig(
      input({ "/c.yaml": "clusterNetwork: x\nlimits: {maxNetworksPerPod: 8}\n" }, ["-c", "/c.yaml"]),
    );
    expect("config" in loaded && loaded.config.limits).toEqual({
      maxAnnotationBytes: 262_144,
      maxNetworksPerPod: 8,
      maxJsonDepth: 32,
      maxContainerIdLength: 128,
      maxCniArgsBytes: 16_384,
      maxMessageBytes: 4_194_304,
      maxDefinitionFileBytes: 1_048_576,
      maxNetworkConfigBytes: 65_536,
      maxPortMappings: 64,
    });
    const issues = await issuesOf(
      loadConfig(
        input(
          {
            "/c.yaml":
              "clusterNetwork: x\nlimits: {maxJsonDepth: 0, maxCniArgsBytes: 512, maxAnnotationBytes: 8388608, maxDefinitionFileBytes: 100, frob: 1}\n",
          },
          ["-c", "/c.yaml"],
        ),
      ),
    );
    expect(issues).toEqual([
      expect.stringMatching(/^limits\.maxJsonDepth: expected an integer from 4 to 1024, got 0$/),
      // Below what the daemon's own K8S_POD_* pairs may take.
      expect.stringMatching(/^limits\.maxCniArgsBytes: expected an integer from 1024 to 122880, got 512$/),
      expect.stringMatching(/^limits\.maxDefinitionFileBytes: expected an integer from 4096 to 67108864, got 100$/),
      "limits.maxAnnotationBytes (8388608) must be smaller than limits.maxMessageBytes (4194304), so an oversized annotation gets its own error",
    ]);
  });

  it("reports an unreadable or unparsable file and still checks the flags, not the keys it would have set", async () => {
    const issues = await issuesOf(loadConfig(input({}, ["-c", "/missing.yaml", "--log-level", "nope"])));
    expect(issues).toEqual([
      "/missing.yaml: cannot read (ENOENT)",
      expect.stringMatching(/^logLevel: expected one of/),
    ]);
    // Not "clusterNetwork: required": it may well be in the file; one unparsable file, one problem.
    expect(await issuesOf(loadConfig(input({ "/c.yaml": "\t{{{ not yaml ::: [" }, ["-c", "/c.yaml"])))).toEqual([
      expect.stringMatching(/^\/c\.yaml: not valid YAML/),
    ]);
  });

  it("reports invalid YAML and JSON with the file name", async () => {
    const yaml = await issuesOf(
      loadConfig(input({ "/c.yaml": "a: [1,\n" }, ["-c", "/c.yaml", "--cluster-network", "x"])),
    );
    expect(yaml).toEqual([expect.stringMatching(/^\/c\.yaml: not valid YAML: /)]);
    const json = await issuesOf(loadConfig(input({ "/c.json": "{" }, ["-c", "/c.json", "--cluster-network", "x"])));
    expect(json).toEqual([expect.stringMatching(/^\/c\.json: not valid JSON: /)]);
    const list = await issuesOf(loadConfig(input({ "/c.yaml": "- a\n" }, ["-c", "/c.yaml", "--cluster-network", "x"])));
    expect(list).toEqual(["/c.yaml: the top level must be a mapping of keys"]);
  });

  it("refuses a key given twice in one JSON object, as YAML does; equal keys in different objects are fine", async () => {
    const text =
      '{"kubernetes": {"mode": "none"}, "reconcile": {"mode": "x"},\n "maxConcurrent": 5000, "maxConcurrent": 4}';
    const dup = await issuesOf(loadConfig(input({ "/c.json": text }, ["-c", "/c.json", "--cluster-network", "x"])));
    expect(dup).toEqual(['/c.json: not valid JSON: key "maxConcurrent" appears twice (line 2)']);
    const nested = '{"tls": {"certFile": "/a", "certFile": "/b", "keyFile": "/k"}, "s": "\\"certFile\\": 1"}';
    expect(
      await issuesOf(loadConfig(input({ "/c.json": nested }, ["-c", "/c.json", "--cluster-network", "x"]))),
    ).toEqual(['/c.json: not valid JSON: key "certFile" appears twice (line 1)']);
  });

  it("requires nodeName and kubeconfigPath when talking to a cluster", async () => {
    const issues = await issuesOf(loadConfig(input({}, ["--cluster-network", "x", "--kube-mode", "kubeconfig"])));
    expect(issues).toEqual([
      expect.stringMatching(/^kubernetes\.nodeName: required/),
      expect.stringMatching(/^kubernetes\.kubeconfigPath: required/),
    ]);
  });

  it("refuses a reconcile grace period below callTimeoutMs + 10 s while the runtime's sandbox list or the pod informer judges", async () => {
    const load = (yaml: string, ...flags: string[]) =>
      loadConfig(input({ "/c.yaml": `clusterNetwork: a\n${yaml}` }, ["--config", "/c.yaml", ...flags]));
    expect(await issuesOf(load("reconcile: {gracePeriodMs: 0}"))).toEqual([
      "reconcile.gracePeriodMs (0) must be at least callTimeoutMs (120000) + 10000 = 130000 while the container runtime's sandbox list (reconcile.runtimeSocket) judges sandboxes: " +
        "an ADD may take callTimeoutMs and the runtime lists its sandbox only once the ADD has answered and the sandbox is started, so a shorter grace would detach a new pod's networks (see docs/config.md)",
    ]);
    expect(
      await issuesOf(
        load('reconcile: {gracePeriodMs: 5000, runtimeSocket: ""}\nkubernetes: {mode: in-cluster, nodeName: n}'),
      ),
    ).toEqual([
      expect.stringMatching(
        /^reconcile\.gracePeriodMs \(5000\) must be at least callTimeoutMs \(120000\) \+ 10000 = 130000 while the pod informer judges/,
      ),
    ]);
    // A grace equal to callTimeoutMs leaves no margin for the runtime to list the sandbox after the ADD's answer.
    expect(await issuesOf(load("reconcile: {gracePeriodMs: 5000}\ncallTimeoutMs: 5000"))).toEqual([
      expect.stringMatching(
        /^reconcile\.gracePeriodMs \(5000\) must be at least callTimeoutMs \(5000\) \+ 10000 = 15000 while/,
      ),
    ]);
    // The floor follows callTimeoutMs, from the file or a flag.
    await expect(load("reconcile: {gracePeriodMs: 15000}\ncallTimeoutMs: 5000")).resolves.toMatchObject({
      config: { reconcile: { gracePeriodMs: 15000 } },
    });
    expect(await issuesOf(load("reconcile: {gracePeriodMs: 15000}", "--call-timeout-ms", "5001"))).toEqual([
      expect.stringMatching(
        /^reconcile\.gracePeriodMs \(15000\) must be at least callTimeoutMs \(5001\) \+ 10000 = 15001 while/,
      ),
    ]);
    // Netns existence alone judges: a new pod's netns exists already, so no grace is needed.
    await expect(load('reconcile: {gracePeriodMs: 0, runtimeSocket: ""}')).resolves.toMatchObject({
      config: { reconcile: { gracePeriodMs: 0 } },
    });
    // The defaults keep the margin.
    await expect(load("")).resolves.toMatchObject({ config: { reconcile: { gracePeriodMs: 130_000 } } });
    expect(DEFAULTS.reconcile.gracePeriodMs).toBeGreaterThanOrEqual(DEFAULTS.callTimeoutMs + 10_000);
  });

  it("defaultRouteConflicts: reject by default, warn when set, anything else named as invalid", async () => {
    const load = (yaml: string) =>
      loadConfig(input({ "/c.yaml": `clusterNetwork: a\n${yaml}` }, ["--config", "/c.yaml"]));
    expect(await load("")).toMatchObject({ config: { defaultRouteConflicts: "reject" } });
    expect(await load("defaultRouteConflicts: warn\n")).toMatchObject({ config: { defaultRouteConflicts: "warn" } });
    expect(await issuesOf(load("defaultRouteConflicts: ignore\n"))).toEqual([
      expect.stringMatching(/^defaultRouteConflicts: expected one of reject, warn, got "ignore"/),
    ]);
  });

  it("--help short-circuits", async () => {
    expect(await loadConfig(input({}, ["--help"]))).toEqual({ help: true });
  });

  it("an empty tcpListen means off", async () => {
    const loaded = await loadConfig(input({}, ["--cluster-network", "x", "--tcp-listen", ""]));
    expect("config" in loaded && "tcpListen" in loaded.config).toBe(false);
  });

  it("reads the file on disk within MAX_CONFIG_FILE_BYTES, and only a regular file (never /dev/zero or a FIFO)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "na-config-"));
    try {
      const big = join(dir, "big.yaml");
      writeFileSync(big, `clusterNetwork: x\n#${"-".repeat(MAX_CONFIG_FILE_BYTES)}\n`);
      const fifo = join(dir, "fifo.yaml");
      execFileSync("mkfifo", [fifo]);
      const load = (path: string) => loadConfig({ argv: ["--config", path], env: {}, cwd: dir });
      expect(await issuesOf(load(big))).toEqual([
        `${big}: is ${MAX_CONFIG_FILE_BYTES + 20} bytes, over netattachd's limit for its config file (${MAX_CONFIG_FILE_BYTES} bytes)`,
      ]);
      expect(await issuesOf(load(fifo))).toEqual([`${fifo}: is not a regular file (a FIFO)`]);
      expect(await issuesOf(load("/dev/zero"))).toEqual(["/dev/zero: is not a regular file (a device)"]);
      expect(await issuesOf(load(dir))).toEqual([`${dir}: is not a regular file (a directory)`]);
      const ok = join(dir, "ok.yaml");
      writeFileSync(ok, "clusterNetwork: x\n");
      expect(await load(ok)).toMatchObject({ config: { clusterNetwork: "x" } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
