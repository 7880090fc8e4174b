// The CNI_* environment, validated per command as libcni's skel does (SPEC §2), by the same
// container id and interface name rules the daemon applies (one source: the CNI spec module).
import { CniErrorCode, containerIdProblem, interfaceNameProblem } from "../../server/src/cni/spec/index.js";
import { quoteInput } from "../../server/src/errors/bounded-text.js";
import { ShimError } from "./shim-error.js";

export type CniCommand = "ADD" | "DEL" | "CHECK" | "GC" | "STATUS" | "VERSION";
const COMMANDS: readonly CniCommand[] = ["ADD", "DEL", "CHECK", "GC", "STATUS", "VERSION"];

export interface CniEnv {
  readonly command: CniCommand;
  readonly containerId: string;
  readonly netns: string;
  readonly ifName: string;
  readonly args: string;
  readonly path: string;
}

type Env = Readonly<Record<string, string | undefined>>;

const REQUIRED: Record<CniCommand, readonly string[]> = {
  ADD: ["CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME"],
  CHECK: ["CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME"],
  // CNI_NETNS may be empty on DEL: containerd sends "" once the netns is gone.
  DEL: ["CNI_CONTAINERID", "CNI_IFNAME"],
  GC: [],
  STATUS: [],
  VERSION: [],
};

export function readCommand(env: Env): CniCommand {
  const raw = env["CNI_COMMAND"] ?? "";
  const command = COMMANDS.find((c) => c === raw);
  if (command === undefined) {
    throw new ShimError(
      CniErrorCode.InvalidEnvironment,
      raw === "" ? "CNI_COMMAND is not set" : `unknown CNI_COMMAND: ${quoteInput(raw)}`,
    );
  }
  return command;
}

export function parseCniEnv(env: Env): CniEnv {
  const command = readCommand(env);
  const missing = REQUIRED[command].filter((k) => !env[k]);
  if (missing.length > 0) {
    throw new ShimError(CniErrorCode.InvalidEnvironment, `required env variables [${missing.join(",")}] missing`);
  }
  const out: CniEnv = {
    command,
    containerId: env["CNI_CONTAINERID"] ?? "",
    netns: env["CNI_NETNS"] ?? "",
    ifName: env["CNI_IFNAME"] ?? "",
    args: env["CNI_ARGS"] ?? "",
    path: env["CNI_PATH"] ?? "",
  };
  if (REQUIRED[command].includes("CNI_CONTAINERID")) {
    const problem = containerIdProblem(out.containerId);
    if (problem !== undefined)
      throw new ShimError(
        CniErrorCode.InvalidEnvironment,
        `invalid containerID ${quoteInput(out.containerId)}`,
        problem,
      );
  }
  if (REQUIRED[command].includes("CNI_IFNAME")) {
    const problem = interfaceNameProblem(out.ifName);
    if (problem !== undefined)
      throw new ShimError(CniErrorCode.InvalidEnvironment, `invalid interface name ${quoteInput(out.ifName)}`, problem);
  }
  return out;
}
