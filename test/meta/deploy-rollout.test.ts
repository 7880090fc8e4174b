// deploy/ as docs/deploy.md "Upgrades and rollbacks" says it must be: a rollout that takes the old
// pod down before it starts the new one (maxSurge 0: the new netattachd is refused with
// STATE_DIR_LOCKED while the old one runs, so a surge rollout never finishes), and the ConfigMap's
// stateDir on the netattachd container's hostPath mount (elsewhere it lies in the container's
// writable layer and every saved attachment is lost at the next rollout).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { daemonSetContainers } from "../helpers/containerd/daemonset-spec.js";

const path = (p: string): string => new URL(`../../${p}`, import.meta.url).pathname;

describe("deploy/ rollouts", () => {
  it("the DaemonSet rolls one node at a time with no surge, set explicitly", () => {
    const ds = parse(readFileSync(path("deploy/daemonset.yaml"), "utf8")) as {
      spec: { updateStrategy?: { type?: string; rollingUpdate?: Record<string, unknown> } };
    };
    expect(ds.spec.updateStrategy).toEqual({
      type: "RollingUpdate",
      rollingUpdate: { maxUnavailable: 1, maxSurge: 0 },
    });
  });

  it("the ConfigMap's stateDir is on the netattachd container's hostPath mount of the same path", async () => {
    const cm = parse(readFileSync(path("deploy/configmap.yaml"), "utf8")) as { data: Record<string, string> };
    const { stateDir } = parse(cm.data["netattachd.yaml"]!) as { stateDir: string };
    const { daemon } = await daemonSetContainers(path("deploy/daemonset.yaml"), {
      CLUSTER_NETWORK: "c",
      NODE_NAME: "n",
    });
    const mount = daemon.mounts.find((m) => stateDir === m.mountPath || stateDir.startsWith(`${m.mountPath}/`));
    expect(mount).toEqual(expect.objectContaining({ mountPath: stateDir, hostPath: stateDir, readOnly: false }));
  });
});
