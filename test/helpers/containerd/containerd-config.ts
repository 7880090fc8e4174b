// containerd 1.6 config (version 2 schema) for a private instance: everything it writes lives
// under one directory, and its CRI plugin reads CNI configs from a test's own dirs.

export interface ContainerdPaths {
  root: string;
  state: string;
  socket: string;
  /** containerd plugin "opt" dir (defaults to /opt/containerd otherwise). */
  opt: string;
  /** runc state root (defaults to the shared /run/containerd/runc otherwise). */
  runcRoot: string;
}

export interface ContainerdConfigOptions {
  paths: ContainerdPaths;
  sandboxImage: string;
  /** containerd 1.6 takes ONE bin dir; it becomes CNI_PATH. */
  cniBinDir: string;
  cniConfDir: string;
  /** overlayfs works on this machine's ext4 root; native is the fallback. */
  snapshotter?: "overlayfs" | "native";
}

const q = (s: string): string => JSON.stringify(s);

export function renderContainerdConfig(o: ContainerdConfigOptions): string {
  const cri = `plugins."io.containerd.grpc.v1.cri"`;
  return `version = 2
root = ${q(o.paths.root)}
state = ${q(o.paths.state)}
oom_score = 0
disabled_plugins = [
  "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing",
]

[grpc]
  address = ${q(o.paths.socket)}

[ttrpc]
  address = ${q(`${o.paths.socket}.ttrpc`)}

[debug]
  level = "debug"

[plugins."io.containerd.internal.v1.opt"]
  path = ${q(o.paths.opt)}

[${cri}]
  sandbox_image = ${q(o.sandboxImage)}
  # These machines deny a negative oom_score_adj; without this the sandbox fails with
  # "can't get final child's PID from pipe".
  restrict_oom_score_adj = true
  disable_apparmor = true
  enable_selinux = false

  [${cri}.containerd]
    snapshotter = ${q(o.snapshotter ?? "overlayfs")}
    default_runtime_name = "runc"

    [${cri}.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"

      [${cri}.containerd.runtimes.runc.options]
        Root = ${q(o.paths.runcRoot)}

  [${cri}.cni]
    bin_dir = ${q(o.cniBinDir)}
    conf_dir = ${q(o.cniConfDir)}
    max_conf_num = 1
`;
}
