import { describe, expect, it } from "vitest";
import { checkKernel, type KindSupport, type LinkKind } from "./kernel-check.js";

const probe =
  (lacking: readonly LinkKind[]) =>
  async (kind: LinkKind): Promise<KindSupport> =>
    lacking.includes(kind) ? "not supported" : "supported";
const ipvlanNet = {
  name: "default/ipvlan-conf",
  where: "/defs/ipvlan.yaml",
  config: { cniVersion: "1.0.0", plugins: [{ type: "ipvlan", master: "eth0" }] },
};

describe("checkKernel", () => {
  it("fails when a configured network needs a kind the kernel lacks, naming the network and the module", async () => {
    const r = await checkKernel([ipvlanNet], true, probe(["ipvlan", "vlan"]));
    expect(r).toEqual({
      check: "kernel",
      status: "fail",
      message:
        "macvlan: supported (no network uses it)\nipvlan: not supported (used by default/ipvlan-conf)\nvlan: not supported (no network uses it)",
      fix: "load the module(s) (modprobe ipvlan) or use a kernel built with them; until then pods selecting ipvlan networks fail at ADD",
    });
  });

  it("only informs about a missing kind nobody uses", async () => {
    expect((await checkKernel([], true, probe(["vlan"]))).status).toBe("ok");
  });

  it("skips without root instead of guessing", async () => {
    expect((await checkKernel([ipvlanNet], false, probe([]))).status).toBe("skip");
  });
});
