import { describe, expect, it } from "vitest";
import { buildGcConfig, buildPluginConfig } from "./build-plugin-config.js";

describe("buildPluginConfig", () => {
  const plugin = {
    type: "portmap",
    snat: true,
    capabilities: { portMappings: true },
    runtimeConfig: { static: 1 },
    "cni.dev/x": 1,
  };

  it("replaces runtimeConfig with the declared capabilities that are offered", () => {
    const conf = buildPluginConfig({
      networkName: "n",
      cniVersion: "1.0.0",
      plugin,
      capabilityArgs: { portMappings: [], mac: "x" },
    });
    expect(conf).toEqual({
      type: "portmap",
      snat: true,
      runtimeConfig: { portMappings: [] },
      cniVersion: "1.0.0",
      name: "n",
    });
  });

  it("leaves a static runtimeConfig alone when nothing is offered", () => {
    expect(buildPluginConfig({ networkName: "n", cniVersion: "1.0.0", plugin }).runtimeConfig).toEqual({ static: 1 });
  });

  it("does not modify the plugin object", () => {
    const copy = structuredClone(plugin);
    buildPluginConfig({ networkName: "n", cniVersion: "1.0.0", plugin, prevResult: { cniVersion: "1.0.0" } });
    expect(plugin).toEqual(copy);
  });
});

describe("buildGcConfig", () => {
  it("sends valid attachments under both keys in the spec's JSON spelling", () => {
    const conf = buildGcConfig({
      networkName: "n",
      cniVersion: "1.1.0",
      plugin: { type: "a" },
      validAttachments: [{ containerId: "c", ifName: "eth0" }],
    });
    const valid = [{ containerID: "c", ifname: "eth0" }];
    expect(conf).toEqual({
      type: "a",
      cniVersion: "1.1.0",
      name: "n",
      "cni.dev/valid-attachments": valid,
      "cni.dev/attachments": valid,
    });
  });
});
