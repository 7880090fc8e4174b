// Whether stateDir lies in a container's own root filesystem rather than on a mount from the host:
// there every saved attachment is lost when the container is replaced (a DaemonSet rollout), after
// which DELs release only the cluster network. Told from /proc/self/mountinfo: the mount that holds
// stateDir is "/" and it is an overlay, which is what containerd, CRI-O and Docker give a container
// as its root. Another snapshotter (devmapper, btrfs, zfs) is not recognised (nothing is said); a
// host whose own root is an overlay (a live system) is told, once, what it can ignore.

interface Mount {
  readonly mountPoint: string;
  readonly fsType: string;
}

/**
 * The warning for `stateDir`, or undefined when it is on a mount of its own (or nothing tells).
 * `resolved`: its path with symlinks resolved (a stateDir that links to a hostPath mount is on it).
 */
export function stateDirMountWarning(stateDir: string, mountinfo: string, resolved = stateDir): string | undefined {
  const holder = mountOf(resolved, parseMountinfo(mountinfo));
  if (holder === undefined || holder.mountPoint !== "/" || holder.fsType !== "overlay") return undefined;
  const shown = resolved === stateDir ? stateDir : `${stateDir} (${resolved})`;
  return (
    `stateDir ${shown} is on the container's own root filesystem (overlay), not on a mount from the host: ` +
    "every saved attachment is lost when the container is replaced (a rollout), after which DELs release only the " +
    "cluster network; mount it from the host (deploy/daemonset.yaml's state hostPath, docs/deploy.md)"
  );
}

/** Mount point (octal escapes undone) and filesystem type of each line; lines that do not parse are skipped. */
function parseMountinfo(text: string): Mount[] {
  const out: Mount[] = [];
  for (const line of text.split("\n")) {
    const fields = line.split(" ");
    const dash = fields.indexOf("-");
    if (fields.length < 5 || dash < 0 || fields[dash + 1] === undefined) continue;
    out.push({ mountPoint: unescapeOctal(fields[4]!), fsType: fields[dash + 1]! });
  }
  return out;
}

/** The mount `path` lies on: the longest mount point above it; of mounts stacked on one point, the last. */
function mountOf(path: string, mounts: readonly Mount[]): Mount | undefined {
  let best: Mount | undefined;
  for (const m of mounts) {
    const above = m.mountPoint === "/" || path === m.mountPoint || path.startsWith(`${m.mountPoint}/`);
    if (above && (best === undefined || m.mountPoint.length >= best.mountPoint.length)) best = m;
  }
  return best;
}

const unescapeOctal = (s: string): string =>
  s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
