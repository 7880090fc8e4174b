// Flags describing a pod sandbox and its network choices (attach, resolve) → request fields.
import type { AttachNetworksRequest } from "../../../proto/gen/netattach/v1/attachment_service.js";
import { RuntimeConfig } from "../../../proto/gen/netattach/v1/sandbox.js";
import { NetworkSelection } from "../../../proto/gen/netattach/v1/selection.js";
import { NETWORKS_ANNOTATION } from "../../../server/src/resolve/index.js";
import { UsageError } from "../command.js";
import { parsePodFlag } from "./daemon-options.js";
import { parseJsonFlag, RUNTIME_CONFIG, SELECTIONS } from "./sandbox-json.js";

export const SANDBOX_OPTIONS = {
  pod: { type: "string" },
  "container-id": { type: "string" },
  netns: { type: "string" },
  networks: { type: "string" },
  annotation: { type: "string", multiple: true },
  selections: { type: "string" },
  "primary-interface": { type: "string" },
  "runtime-config": { type: "string" },
  "cni-arg": { type: "string", multiple: true },
} as const;

export const SANDBOX_USAGE = `Sandbox flags:
  --pod NS/NAME[/UID]      the pod (required)
  --container-id ID        sandbox container id
  --netns PATH             network namespace path
  --networks VALUE         shorthand for --annotation ${NETWORKS_ANNOTATION}=VALUE
                           (text form "a,ns/b@net5" or the JSON list form)
  --annotation K=V         a pod annotation (repeatable); without any, the daemon asks its pod source
  --selections JSON        explicit selections, a JSON list of NetworkSelection,
                           e.g. '[{"name":"ptp-conf","interface":"data0","cniArgsJson":"{\\"a\\":\\"b\\"}"}]'
  --primary-interface IF   cluster network interface (default eth0)
  --runtime-config JSON    RuntimeConfig, e.g. '{"portMappings":[{"hostPort":8080,"containerPort":80}]}'
  --cni-arg K=V            extra CNI_ARGS pair (repeatable)

--selections and --runtime-config take proto JSON (camelCase field names; proto/netattach/v1):
ports are integers 1-65535, rates and bursts integers of at least 8, cniArgsJson and extraJson a JSON
object written as a string. Anything else is a usage error naming the field.
`;

export interface SandboxValues {
  pod?: string;
  "container-id"?: string;
  netns?: string;
  networks?: string;
  annotation?: string[];
  selections?: string;
  "primary-interface"?: string;
  "runtime-config"?: string;
  "cni-arg"?: string[];
}

type SandboxFields = Omit<AttachNetworksRequest, "cniVersion">;

export function sandboxRequest(v: SandboxValues): SandboxFields {
  if (v.pod === undefined) throw new UsageError("--pod is required");
  const annotations: Record<string, string> = {};
  for (const a of v.annotation ?? []) {
    const [key, value] = splitPair(a, "--annotation");
    annotations[key] = value;
  }
  if (v.networks !== undefined) annotations[NETWORKS_ANNOTATION] = v.networks;
  const given = v.annotation !== undefined || v.networks !== undefined;
  return {
    containerId: v["container-id"] ?? "",
    netnsPath: v.netns ?? "",
    pod: parsePodFlag(v.pod),
    ...(given ? { annotations: { values: annotations } } : {}),
    selections: v.selections !== undefined ? parseSelections(v.selections) : [],
    primaryInterface: v["primary-interface"] ?? "",
    ...(v["runtime-config"] !== undefined ? { runtimeConfig: runtimeConfig(v["runtime-config"]) } : {}),
    cniArgs: (v["cni-arg"] ?? []).map((a) => {
      const [key, value] = splitPair(a, "--cni-arg");
      return { key, value };
    }),
  };
}

function parseSelections(text: string): NetworkSelection[] {
  const list = parseJsonFlag(text, "--selections", SELECTIONS) as unknown[];
  return list.map((item) => NetworkSelection.fromJSON(item));
}

function runtimeConfig(text: string): RuntimeConfig {
  return RuntimeConfig.fromJSON(parseJsonFlag(text, "--runtime-config", RUNTIME_CONFIG));
}

function splitPair(text: string, flag: string): [string, string] {
  const at = text.indexOf("=");
  if (at <= 0) throw new UsageError(`${flag} must be KEY=VALUE, got "${text}"`);
  return [text.slice(0, at), text.slice(at + 1)];
}
