// The environment a plugin runs with (libcni invoke.Args.AsEnv): a sane PATH plus the
// six CNI_* variables, always all present (skel requires CNI_PATH for every command).

/** PATH handed to plugins when the caller gives none: plugins exec iptables, ip, ... */
export const DEFAULT_PLUGIN_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export interface CniEnvInput {
  readonly command: string;
  readonly containerId?: string;
  readonly netns?: string;
  readonly ifName?: string;
  /** Already formatted CNI_ARGS ("K=V;K=V"). */
  readonly cniArgs?: string;
  /** Plugin search path (the runtime's bin dirs). */
  readonly binDirs: readonly string[];
  /** PATH for the plugin; DEFAULT_PLUGIN_PATH when absent. */
  readonly path?: string;
}

export function buildCniEnv(input: CniEnvInput): Record<string, string> {
  return {
    PATH: input.path ?? DEFAULT_PLUGIN_PATH,
    CNI_COMMAND: input.command,
    CNI_CONTAINERID: input.containerId ?? "",
    CNI_NETNS: input.netns ?? "",
    CNI_IFNAME: input.ifName ?? "",
    CNI_ARGS: input.cniArgs ?? "",
    CNI_PATH: input.binDirs.join(":"),
  };
}
