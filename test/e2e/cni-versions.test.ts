// The same chain at every spec version a real deployment meets. The Debian plugins speak up
// to 1.0.0: a 1.1.0 list must still work (the runtime negotiates per plugin).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createCniCase, type CniCase } from "../helpers/cni-case.js";
import { assertChainAdded, assertChainRemoved, chainRuntimeConf, CHAIN_PLUGINS } from "../helpers/cni-chain.js";
import { addCheckDel } from "../helpers/cni-lifecycle.js";
import { viewResult } from "../helpers/cni-result.js";
import { portmapCheckQuirk } from "../helpers/plugin-quirks.js";
import { describeRoot } from "../helpers/root.js";

const VERSIONS = ["0.3.1", "0.4.0", "1.0.0", "1.1.0"] as const;

describeRoot("CNI runtime × real chain at every spec version", () => {
  describe.each(VERSIONS)("cniVersion %s", (cniVersion) => {
    let c: CniCase;
    beforeEach(async () => {
      c = await createCniCase(`v${cniVersion.replaceAll(".", "")}`, { cniVersion });
    });
    afterEach(async () => {
      await c.cleanup();
    });

    it("ADD returns a result of that version, CHECK where the version has it, DEL twice; nothing left", async () => {
      const list = await c.load("chain.conflist");
      expect(list.cniVersion).toBe(cniVersion);
      const hostPort = 20_000 + Math.floor(Math.random() * 10_000);
      const result = await addCheckDel(c, list, chainRuntimeConf(c, hostPort), {
        check: cniVersion !== "0.3.1",
        checkFails: await portmapCheckQuirk(),
        added: async (r) => {
          const ips = viewResult(r).ips as ReadonlyArray<{ version?: string }>;
          // 0.3.x/0.4.0 results carry ips[].version; 1.x dropped it.
          expect(ips.every((i) => (cniVersion.startsWith("0.") ? i.version === "4" : i.version === undefined))).toBe(
            true,
          );
          await assertChainAdded(c, r, hostPort);
          // Each plugin ran at the list's version, except 1.1.0, which these plugins lack: 1.0.0.
          const ranAt = c.events.flatMap((e) => (e.type === "exec" && e.command === "ADD" ? [e.cniVersion] : []));
          expect(ranAt).toEqual(CHAIN_PLUGINS.map(() => (cniVersion === "1.1.0" ? "1.0.0" : cniVersion)));
          if (cniVersion === "0.3.1") {
            const err = await c.runtime.checkNetworkList(list, chainRuntimeConf(c, hostPort)).then(
              () => undefined,
              (e: unknown) => e,
            );
            expect(err).toMatchObject({ kind: "incompatible-version", code: 1, command: "CHECK" });
          }
        },
        removed: (r) => assertChainRemoved(c, r),
      });
      expect(result.cniVersion).toBe(cniVersion);
    });

    it("STATUS succeeds: a no-op below 1.1.0; at 1.1.0 plugins without STATUS (≤1.0.0) are skipped, not failed", async () => {
      const list = await c.load("chain.conflist");
      await c.runtime.getStatusNetworkList(list);
      const skipped = c.events.flatMap((e) =>
        e.type === "plugin-skipped" && e.command === "STATUS" ? [e.plugin] : [],
      );
      expect(skipped).toEqual(cniVersion === "1.1.0" ? [...CHAIN_PLUGINS] : []);
      expect(c.events.filter((e) => e.type === "exec" && e.command === "STATUS")).toEqual([]);
    });
  });
});
