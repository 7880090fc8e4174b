// The DaemonSet's two containers as deploy/daemonset.yaml defines them: command with $(VAR)
// references expanded, env values, and each volume mount with the host path it stands for.
import { readFile } from "node:fs/promises";
import { parse } from "yaml";

export interface SpecMount {
  readonly name: string;
  readonly mountPath: string;
  /** hostPath volumes only; configMap volumes have none. */
  readonly hostPath?: string;
  readonly hostToContainer: boolean;
  readonly readOnly: boolean;
}

export interface SpecContainer {
  readonly image: string;
  readonly command: readonly string[];
  readonly mounts: readonly SpecMount[];
}

interface K8sContainer {
  image: string;
  command: string[];
  env?: Array<{ name: string; value?: string }>;
  volumeMounts?: Array<{ name: string; mountPath: string; mountPropagation?: string; readOnly?: boolean }>;
}

export async function daemonSetContainers(
  path: string,
  vars: Readonly<Record<string, string>>,
): Promise<{ init: SpecContainer; daemon: SpecContainer }> {
  const ds = parse(await readFile(path, "utf8")) as {
    spec: {
      template: {
        spec: {
          initContainers: K8sContainer[];
          containers: K8sContainer[];
          volumes: Array<{ name: string; hostPath?: { path: string } }>;
        };
      };
    };
  };
  const pod = ds.spec.template.spec;
  const hostPaths = new Map(pod.volumes.map((v) => [v.name, v.hostPath?.path]));
  const expand = (s: string): string =>
    s.replace(/\$\(([A-Z_]+)\)/g, (_, name: string) => {
      const value = vars[name];
      if (value === undefined) throw new Error(`${path}: $(${name}) has no value in the test`);
      return value;
    });
  const convert = (c: K8sContainer): SpecContainer => ({
    image: c.image,
    command: c.command.map(expand),
    mounts: (c.volumeMounts ?? []).map((m) => {
      const hostPath = hostPaths.get(m.name);
      return {
        name: m.name,
        mountPath: m.mountPath,
        ...(hostPath ? { hostPath } : {}),
        hostToContainer: m.mountPropagation === "HostToContainer",
        readOnly: m.readOnly === true,
      };
    }),
  });
  const [init] = pod.initContainers;
  const [daemon] = pod.containers;
  if (!init || !daemon) throw new Error(`${path}: expected one init container and one container`);
  return { init: convert(init), daemon: convert(daemon) };
}
