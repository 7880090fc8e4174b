// The stdin one plugin receives (spec "Deriving execution configuration", libcni
// buildOneConfig/InjectConf): the raw plugin object with name and cniVersion injected,
// prevResult and runtimeConfig added when there are any, every unknown key kept.
import type { Attachment, CniResult, JsonObject, PluginConf } from "../spec/types.js";
import { filterCapabilityArgs } from "../spec/capability-args.js";

export interface PluginConfigInput {
  readonly networkName: string;
  /** The version this plugin is run at (negotiated). */
  readonly cniVersion: string;
  readonly plugin: PluginConf;
  /** Already converted to `cniVersion`. */
  readonly prevResult?: CniResult;
  /** Offered capability args; only those the plugin declares reach it. */
  readonly capabilityArgs?: JsonObject;
}

/** Config for ADD, DEL, CHECK and STATUS. */
export function buildPluginConfig(input: PluginConfigInput): JsonObject {
  const conf = baseConfig(input.plugin, input.networkName, input.cniVersion);
  const runtimeConfig = filterCapabilityArgs(input.plugin.capabilities, input.capabilityArgs);
  // Like libcni, a static runtimeConfig is replaced only when there is something to offer.
  if (runtimeConfig !== undefined) conf.runtimeConfig = runtimeConfig;
  if (input.prevResult !== undefined) conf.prevResult = input.prevResult;
  return conf;
}

export interface GcConfigInput {
  readonly networkName: string;
  readonly cniVersion: string;
  readonly plugin: PluginConf;
  /** Undefined: no key at all (every attachment is stale), as libcni with nil args. */
  readonly validAttachments?: readonly Attachment[];
}

/** Config for GC: both the current and the 1.1.0-tag spelling of the attachments key. */
export function buildGcConfig(input: GcConfigInput): JsonObject {
  const conf = baseConfig(input.plugin, input.networkName, input.cniVersion);
  if (input.validAttachments !== undefined) {
    const list = input.validAttachments.map((a) => ({ containerID: a.containerId, ifname: a.ifName }));
    conf["cni.dev/valid-attachments"] = list;
    conf["cni.dev/attachments"] = list;
  }
  return conf;
}

export function encodeConfig(conf: JsonObject): Buffer {
  return Buffer.from(JSON.stringify(conf));
}

/**
 * Copy of the plugin object without what only the runtime may generate (`cni.dev/*`,
 * `prevResult`) and without `capabilities` (spec: "must not be set"); then name and
 * cniVersion. libcni keeps `capabilities`; plugins never read it.
 */
function baseConfig(plugin: PluginConf, name: string, cniVersion: string): Record<string, unknown> {
  const conf: Record<string, unknown> = {};
  for (const key of Object.keys(plugin)) {
    if (key === "prevResult" || key === "capabilities" || key.startsWith("cni.dev/")) continue;
    conf[key] = plugin[key];
  }
  conf.cniVersion = cniVersion;
  conf.name = name;
  return conf;
}
