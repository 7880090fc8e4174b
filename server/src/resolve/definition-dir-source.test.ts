import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DaemonError } from "../errors/daemon-error.js";
import { createDefinitionDirSource } from "./definition-dir-source.js";
import { createMemorySource } from "./memory-source.js";
import type { NetworkLookup } from "./types.js";

const FIXTURES = resolve(import.meta.dirname, "../../../test/fixtures/resolve");
const DEFS = join(FIXTURES, "definitions");
const CONF_D = join(FIXTURES, "conf.d");

function found(r: NetworkLookup) {
  if (r.found === undefined) throw new Error(`not found: ${r.tried.join("; ")}`);
  return r.found;
}

function missing(r: NetworkLookup): readonly string[] {
  if (r.found !== undefined) throw new Error(`unexpectedly found ${r.found.name}`);
  return r.tried;
}

async function rejection(p: Promise<unknown>): Promise<DaemonError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DaemonError);
  return err as DaemonError;
}

describe("createDefinitionDirSource on the fixture dir", () => {
  const source = createDefinitionDirSource({ dir: DEFS, confDir: CONF_D });

  it("resolves ns/name from spec.config, with origin and resourceName", async () => {
    const def = found(await source.lookup({ namespace: "default", name: "macvlan-conf" }));
    expect(def).toEqual({
      namespace: "default",
      name: "macvlan-conf",
      resourceName: "example.com/sriov_net",
      config: {
        cniVersion: "1.0.0",
        name: "macvlan-conf",
        type: "macvlan",
        master: "eth0",
        ipam: { type: "host-local", subnet: "10.30.0.0/24" },
      },
      origin: {
        kind: "network-attachment-definition",
        namespace: "default",
        name: "macvlan-conf",
        manifestPath: join(DEFS, "networks.yaml"),
        configFrom: "spec.config",
      },
    });
  });

  it("defaults metadata.namespace to default and falls back to the conf dir without spec.config", async () => {
    const def = found(await source.lookup({ namespace: "default", name: "ptp-conf" }));
    expect(def.config).toMatchObject({ name: "ptp-conf", type: "ptp" });
    expect(def.origin).toEqual({
      kind: "network-attachment-definition",
      namespace: "default",
      name: "ptp-conf",
      manifestPath: join(DEFS, "networks.yaml"),
      configFrom: "conf-file",
      confPath: join(CONF_D, "30-ptp.json"),
    });
  });

  it("gives a config without name the definition's name (spec 3.4.2)", async () => {
    const def = found(await source.lookup({ namespace: "team-a", name: "unnamed" }));
    expect(def.config.name).toBe("unnamed");
    expect(def.config.plugins).toEqual([{ type: "bridge", bridge: "br-unnamed" }]);
  });

  it("reads kind: List items and tells namespaces apart", async () => {
    expect(found(await source.lookup({ namespace: "team-a", name: "team-net" })).config.name).toBe("team-net");
    const b = found(await source.lookup({ namespace: "team-b", name: "team-net" }));
    expect(b.config.name).toBe("team-net-b");
    expect(b.origin).toMatchObject({ manifestPath: join(DEFS, "list.yaml") });
  });

  it("reads JSON manifests", async () => {
    expect(found(await source.lookup({ namespace: "global", name: "shared-net" })).origin).toMatchObject({
      manifestPath: join(DEFS, "global.json"),
    });
  });

  it("rejects spec.config that is not JSON, naming the definition and the file", async () => {
    const err = await rejection(source.lookup({ namespace: "default", name: "bad-config" }));
    const nad = `NetworkAttachmentDefinition default/bad-config (file ${join(DEFS, "bad-config.yml")})`;
    expect(err.code).toBe("INVALID_NETWORK_CONFIG");
    expect(err.message).toMatch(`${nad}: spec.config is not valid JSON: `);
    expect(err.context).toEqual({ network: "default/bad-config", source: nad, phase: "resolve" });
    expect(err.cause).toBeInstanceOf(SyntaxError);
  });

  it("rejects spec.config written as a YAML object and a wrong apiVersion", async () => {
    const objectConfig = await rejection(source.lookup({ namespace: "default", name: "object-config" }));
    expect(objectConfig.message).toContain("default/object-config");
    expect(objectConfig.message).toContain("spec.config must be a string holding the CNI JSON");
    const oldApi = await rejection(source.lookup({ namespace: "default", name: "old-api" }));
    expect(oldApi.message).toContain('apiVersion is "k8s.cni.cncf.io/v1beta1", expected k8s.cni.cncf.io/v1');
  });

  it("lists the dir, other namespaces holding the name, the conf dir and broken files when not found", async () => {
    const r = await source.lookup({ namespace: "team-c", name: "team-net" });
    expect(r.found).toBeUndefined();
    expect(missing(r)[0]).toBe(
      `definitions dir ${DEFS}: no NetworkAttachmentDefinition team-c/team-net ("team-net" exists in namespace team-a, team-b)`,
    );
    expect(missing(r)[1]).toMatch(
      new RegExp(
        `^definitions dir ${DEFS}: ${join(DEFS, "zz-broken.yaml")}: document: YAML error: .* at line 5, column 1 \\(skipped\\)$`,
      ),
    );
    expect(missing(r)).toHaveLength(2);
  });

  it("names what a namespace holds when the name exists nowhere", async () => {
    const r = await source.lookup({ namespace: "team-a", name: "nope" });
    expect(missing(r)[0]).toBe(
      `definitions dir ${DEFS}: no NetworkAttachmentDefinition team-a/nope (namespace team-a: it holds team-net, unnamed)`,
    );
  });

  it("ignores other kinds with the same name", async () => {
    // other-kind.yaml holds a ConfigMap default/macvlan-conf: no duplicate error.
    expect(found(await source.lookup({ namespace: "default", name: "macvlan-conf" })).config.type).toBe("macvlan");
  });

  it("lists the definition and the conf dir when spec.config is absent and the conf dir has no such network", async () => {
    const r = await source.lookup({ namespace: "default", name: "no-such-conf" });
    expect(missing(r)).toEqual([
      `NetworkAttachmentDefinition default/no-such-conf (file ${join(DEFS, "list.yaml")}) has no spec.config, so a conf/conflist named "no-such-conf" was looked for`,
      expect.stringContaining(`conf dir ${CONF_D}: no conf or conflist with "name": "no-such-conf"`),
      expect.stringContaining("90-broken.conf skipped"),
      expect.stringContaining("91-notype.conf skipped"),
    ]);
  });

  it("reports a missing dir", async () => {
    const r = await createDefinitionDirSource({ dir: "/nonexistent/defs", confDir: CONF_D }).lookup({
      namespace: "a",
      name: "b",
    });
    expect(r).toEqual({ tried: ["definitions dir /nonexistent/defs does not exist"] });
  });

  it("takes a conf dir source instead of a path", async () => {
    const confDir = createMemorySource([
      { name: "ptp-conf", config: { name: "ptp-conf", type: "ptp" }, origin: { kind: "inline", description: "test" } },
    ]);
    const def = found(
      await createDefinitionDirSource({ dir: DEFS, confDir }).lookup({ namespace: "default", name: "ptp-conf" }),
    );
    expect(def.origin).toEqual({
      kind: "network-attachment-definition",
      namespace: "default",
      name: "ptp-conf",
      manifestPath: join(DEFS, "networks.yaml"),
      configFrom: "conf-file",
    });
  });
});

describe("createDefinitionDirSource on a changing dir", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "resolve-defs-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const nad = (name: string, ns: string, bridge: string) =>
    `apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata:\n  name: ${name}\n  namespace: ${ns}\nspec:\n  config: '{"cniVersion":"1.0.0","type":"bridge","bridge":"${bridge}"}'\n`;

  it("picks up edits and rejects a definition given twice, naming both files", async () => {
    const source = createDefinitionDirSource({ dir, confDir: join(dir, "none") });
    await writeFile(join(dir, "a.yaml"), nad("net", "ns1", "br-1"));
    expect(found(await source.lookup({ namespace: "ns1", name: "net" })).config).toEqual({
      name: "net",
      cniVersion: "1.0.0",
      type: "bridge",
      bridge: "br-1",
    });
    await writeFile(join(dir, "a.yaml"), nad("net", "ns1", "br-2"));
    expect(found(await source.lookup({ namespace: "ns1", name: "net" })).config.bridge).toBe("br-2");

    await writeFile(join(dir, "b.yml"), nad("net", "ns1", "br-3"));
    const err = await rejection(source.lookup({ namespace: "ns1", name: "net" }));
    expect(err.code).toBe("INVALID_NETWORK_CONFIG");
    expect(err.message).toBe(
      `NetworkAttachmentDefinition ns1/net is defined 2 times: NetworkAttachmentDefinition ns1/net (file ${join(dir, "a.yaml")}); NetworkAttachmentDefinition ns1/net (file ${join(dir, "b.yml")})`,
    );
  });

  it("reports definitions without a usable name as skipped parts of the file", async () => {
    await writeFile(join(dir, "x.yaml"), `${nad("Bad_Name", "ns1", "b")}---\n- just a list\n---\nfoo: bar\n`);
    const r = await createDefinitionDirSource({ dir, confDir: dir }).lookup({ namespace: "ns1", name: "x" });
    expect(missing(r).slice(1)).toEqual([
      `definitions dir ${dir}: ${join(dir, "x.yaml")}: document 1: NetworkAttachmentDefinition metadata.name "Bad_Name" is not a DNS-1123 label (skipped)`,
      `definitions dir ${dir}: ${join(dir, "x.yaml")}: document 2 is not a mapping (skipped)`,
      `definitions dir ${dir}: ${join(dir, "x.yaml")}: document 3 has no "kind" (skipped)`,
    ]);
  });
});
