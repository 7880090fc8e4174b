import { describe, expect, it } from "vitest";
import { PLUGIN_RUN_ENV, SHIM_AS_DELEGATE_CODE } from "../../server/src/cni/spec/index.js";
import { runShim } from "./shim.js";

const ENV = {
  CNI_CONTAINERID: "c1",
  CNI_NETNS: "/var/run/netns/x",
  CNI_IFNAME: "net1",
  CNI_PATH: "/opt/cni/bin",
  [PLUGIN_RUN_ENV]: "5f0e7c1a-1111-2222-3333-444444444444",
};

async function run(command: string, env: Record<string, string> = ENV) {
  let clientLoaded = false;
  const res = await runShim({
    env: { ...env, CNI_COMMAND: command },
    selfPath: "/opt/cni/bin/vendor-net",
    readStdin: async () => JSON.stringify({ cniVersion: "1.1.0", name: "n", type: "vendor-net" }),
    loadClient: async () => {
      clientLoaded = true;
      return () => {
        throw new Error("no daemon call expected");
      };
    },
    logSink: () => () => undefined,
    clock: { now: () => 0, sleep: async () => undefined, random: () => 0.5 },
  });
  return { ...res, clientLoaded };
}

describe("the shim run by netattachd (its plugin-run mark in the environment)", () => {
  it.each(["ADD", "CHECK", "STATUS", "VERSION"])("refuses %s at once, naming its binary and the command", async (c) => {
    const r = await run(c);
    expect(r.exitCode).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({
      cniVersion: "1.1.0",
      code: SHIM_AS_DELEGATE_CODE,
      msg: `netattach-cni (/opt/cni/bin/vendor-net) was run by netattachd as a delegate plugin for ${c}`,
      details: expect.stringContaining(`${PLUGIN_RUN_ENV}=${ENV[PLUGIN_RUN_ENV]} is set`),
    });
  });

  it.each(["DEL", "GC"])("answers %s with success: run so, it attached nothing to release", async (c) => {
    expect(await run(c)).toMatchObject({ exitCode: 0, stdout: "" });
  });

  it("without the mark calls the daemon as ever", async () => {
    const { [PLUGIN_RUN_ENV]: _, ...env } = ENV;
    const r = await run("ADD", env);
    expect(r.clientLoaded).toBe(true);
    expect(JSON.parse(r.stdout)).toMatchObject({ code: 999 });
  });
});
