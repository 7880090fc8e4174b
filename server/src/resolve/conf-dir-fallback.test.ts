import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DaemonError } from "../errors/daemon-error.js";
import type { ConfDirFallbackRule } from "./conf-dir-fallback.js";
import { createDefinitionDirSource } from "./definition-dir-source.js";

const root = mkdtempSync(join(tmpdir(), "na-fallback-"));
const confD = join(root, "net.d");
const defs = join(root, "defs");
mkdirSync(confD);
mkdirSync(defs);
writeFileSync(
  join(confD, "20-private.conflist"),
  JSON.stringify({ cniVersion: "1.0.0", name: "private", plugins: [{ type: "bridge" }] }),
);
for (const ns of ["tenanta", "kube-system"])
  writeFileSync(
    join(defs, `${ns}.yaml`),
    `apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata: {name: private, namespace: ${ns}}\n`,
  );
afterAll(() => rmSync(root, { recursive: true, force: true }));

const lookup = (rule: ConfDirFallbackRule | undefined, namespace: string) =>
  createDefinitionDirSource({
    dir: defs,
    confDir: confD,
    ...(rule === undefined ? {} : { confDirFallback: { rule, defaultNamespace: "kube-system" } }),
  }).lookup({ namespace, name: "private" });

describe("confDirFallback", () => {
  it.each([undefined, "all"] as const)(
    "%s: a tenant's definition without spec.config gets the conf dir network (spec, Multus)",
    async (rule) => {
      const r = await lookup(rule, "tenanta");
      expect(r.found?.origin).toMatchObject({ configFrom: "conf-file", confPath: join(confD, "20-private.conflist") });
    },
  );

  it("default-namespace: refuses the tenant's definition, naming it and the key; the operator's still falls back", async () => {
    const err = await lookup("default-namespace", "tenanta").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DaemonError);
    expect((err as DaemonError).code).toBe("INVALID_NETWORK_CONFIG");
    expect((err as DaemonError).message).toBe(
      `NetworkAttachmentDefinition tenanta/private (file ${join(defs, "tenanta.yaml")}): has no spec.config, and ` +
        `confDirFallback "default-namespace" lets only definitions in the daemon's defaultNamespace "kube-system" take their config from the conf dir`,
    );
    expect((await lookup("default-namespace", "kube-system")).found?.name).toBe("private");
  });

  it("none: refuses every definition without spec.config", async () => {
    await expect(lookup("none", "kube-system")).rejects.toThrow(
      /confDirFallback "none" lets no definition take their config/,
    );
  });
});
