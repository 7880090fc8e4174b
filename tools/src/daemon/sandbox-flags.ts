// Flags describing a pod sandbox and its network choices (attach, resolve) → request fields.
import type { AttachNetworksRequest } from "../../../proto/gen/netattach/v1/attachment_service.js";
import { RuntimeConfig } from "../../../proto/gen/netattach/v1/sandbox.js";
import { NetworkSelection } from "../../../proto/gen/netattach/v1/selection.js";
import { NETWORKS_ANNOTATION } from "../../../server/src/resolve/index.js";
import { UsageError } from "../command.js";
import { parsePodFlag } from "./daemon-options.js";

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
  --selections JSON        explicit selections, a JSON list of NetworkSelection (proto JSON names)
  --primary-interface IF   cluster network interface (default eth0)
  --runtime-config JSON    RuntimeConfig (proto JSON names), e.g. '{"portMappings":[{"hostPort":8080,"containerPort":80}]}'
  --cni-arg K=V            extra CNI_ARGS pair (repeatable)
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
  const list = parseJson(text, "--selections");
  if (!Array.isArray(list)) throw new UsageError("--selections must be a JSON list");
  return list.map((item) => NetworkSelection.fromJSON(item));
}

function runtimeConfig(text: string): RuntimeConfig {
  const value = parseJson(text, "--runtime-config");
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new UsageError("--runtime-config must be a JSON object");
  return RuntimeConfig.fromJSON(value);
}

function parseJson(text: string, flag: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${flag} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}

function splitPair(text: string, flag: string): [string, string] {
  const at = text.indexOf("=");
  if (at <= 0) throw new UsageError(`${flag} must be KEY=VALUE, got "${text}"`);
  return [text.slice(0, at), text.slice(at + 1)];
}
