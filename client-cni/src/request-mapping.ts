// CNI invocation (env + stdin) → daemon requests. Pure: the recording of what containerd
// really sends is replayed through these functions in the tests.
import type {
  AttachNetworksRequest,
  CheckNetworksRequest,
  DetachNetworksRequest,
  GarbageCollectRequest,
} from "../../proto/gen/netattach/v1/attachment_service.js";
import { cniArgsForDelete, parseCniArgs } from "./cni-args.js";
import type { CniEnv } from "./cni-env.js";
import { toAnnotations, toRuntimeConfig } from "./runtime-config.js";
import type { LogFields } from "./logger.js";
import { MAX_DEL_RUNTIME_CONFIG_BYTES, type ShimConf } from "./shim-conf.js";

export function toAttachRequest(env: CniEnv, conf: ShimConf): AttachNetworksRequest {
  const args = parseCniArgs(env.args);
  return {
    containerId: env.containerId,
    netnsPath: env.netns,
    pod: args.pod,
    annotations: toAnnotations(conf.runtimeConfig),
    selections: [],
    primaryInterface: env.ifName,
    runtimeConfig: toRuntimeConfig(conf.runtimeConfig),
    cniArgs: args.rest,
    cniVersion: conf.cniVersion,
  };
}

/**
 * A DEL never fails on its inputs: with an attachment saved the daemon reads only the id, netns and
 * interface; with none it releases the cluster network given the rest as ADD was, and what does not
 * read (the ADD was refused for it), or is over MAX_DEL_RUNTIME_CONFIG_BYTES (the daemon would refuse
 * the whole request), is left out and said through `warn`.
 */
export function toDetachRequest(
  env: CniEnv,
  conf: ShimConf,
  warn: (msg: string, fields: LogFields) => void = () => undefined,
): DetachNetworksRequest {
  const args = cniArgsForDelete(env.args);
  let runtimeConfig: ReturnType<typeof toRuntimeConfig> | undefined;
  const size = conf.runtimeConfig === undefined ? 0 : Buffer.byteLength(JSON.stringify(conf.runtimeConfig));
  if (size > MAX_DEL_RUNTIME_CONFIG_BYTES)
    warn("DEL leaves out a runtimeConfig too large to send", { bytes: size, limit: MAX_DEL_RUNTIME_CONFIG_BYTES });
  else {
    try {
      runtimeConfig = toRuntimeConfig(conf.runtimeConfig);
    } catch (err) {
      warn("DEL leaves out a runtimeConfig it cannot read", { problem: (err as Error).message });
    }
  }
  return {
    containerId: env.containerId,
    netnsPath: env.netns,
    pod: args.pod,
    primaryInterface: env.ifName,
    runtimeConfig,
    cniArgs: args.rest,
  };
}

/** CHECK names its netns and interface like ADD; the daemon compares them with what it saved. */
export function toCheckRequest(env: CniEnv): CheckNetworksRequest {
  return { containerId: env.containerId, netnsPath: env.netns, primaryInterface: env.ifName };
}

export function toGcRequest(conf: ShimConf): GarbageCollectRequest {
  return {
    validAttachments: conf.validContainerIds === undefined ? undefined : { containerIds: [...conf.validContainerIds] },
    dryRun: false,
  };
}
