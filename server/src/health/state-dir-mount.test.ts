import { describe, expect, it } from "vitest";
import { stateDirMountWarning } from "./state-dir-mount.js";

// A container's table as containerd gives it (trimmed), with the DaemonSet's state hostPath mounted.
const CONTAINER = [
  "1021 944 0:187 / / rw,relatime master:409 - overlay overlay rw,lowerdir=/var/lib/containerd/l1,upperdir=/u,workdir=/w",
  "1022 1021 0:190 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw",
  "1030 1021 254:0 /var/lib/netattach /var/lib/netattach rw,relatime - ext4 /dev/vda rw",
  "1031 1021 254:0 /etc/cni/net.d /etc/cni/net.d rw,relatime - ext4 /dev/vda rw",
  "1032 1021 254:0 /var/lib/net\\040attach /var/lib/net\\040attach rw,relatime - ext4 /dev/vda rw",
].join("\n");

describe("stateDirMountWarning", () => {
  it("is quiet for a stateDir on the hostPath mount, below it, or on a mount whose name has a space", () => {
    expect(stateDirMountWarning("/var/lib/netattach", CONTAINER)).toBeUndefined();
    expect(stateDirMountWarning("/var/lib/netattach/sub", CONTAINER)).toBeUndefined();
    expect(stateDirMountWarning("/var/lib/net attach", CONTAINER)).toBeUndefined();
  });

  it("names a stateDir that lies in the container's overlay root (a ConfigMap stateDir beside the mount)", () => {
    expect(stateDirMountWarning("/var/lib/netattach-state", CONTAINER)).toBe(
      "stateDir /var/lib/netattach-state is on the container's own root filesystem (overlay), not on a mount from the host: " +
        "every saved attachment is lost when the container is replaced (a rollout), after which DELs release only the " +
        "cluster network; mount it from the host (deploy/daemonset.yaml's state hostPath, docs/deploy.md)",
    );
  });

  it("judges where a symlinked stateDir leads: onto the hostPath mount is quiet, into the overlay root is named with both paths", () => {
    expect(stateDirMountWarning("/state", CONTAINER, "/var/lib/netattach")).toBeUndefined();
    expect(stateDirMountWarning("/var/lib/netattach/link", CONTAINER, "/opt/state")).toMatch(
      /^stateDir \/var\/lib\/netattach\/link \(\/opt\/state\) is on the container's own root filesystem/,
    );
  });

  it("is quiet on a host whose root is a disk, and when the table cannot be read", () => {
    expect(
      stateDirMountWarning("/var/lib/netattach", "26 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n"),
    ).toBeUndefined();
    expect(stateDirMountWarning("/var/lib/netattach", "")).toBeUndefined();
  });
});
