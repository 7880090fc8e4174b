// netattachd runs with the same node flags however it is started: the DaemonSet's command, the
// image built by `npm run image` and the Containerfile's CMD all carry DAEMON_NODE_FLAGS, in order,
// right before the bundle.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { DAEMON_NODE_FLAGS } from "../../tools/image/build-image.js";

const read = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");

/** The arguments between "node" and the bundle. */
function flagsBefore(argv: readonly string[], where: string): string[] {
  const bundle = argv.findIndex((a) => a.endsWith("/netattachd.mjs"));
  expect(argv[0], `${where} starts node`).toBe("node");
  expect(bundle, `${where} runs netattachd.mjs`).toBeGreaterThan(0);
  return argv.slice(1, bundle);
}

describe("netattachd's node flags", () => {
  it("deploy/daemonset.yaml runs netattachd with DAEMON_NODE_FLAGS", () => {
    const ds = parse(read("deploy/daemonset.yaml")) as { spec: { template: { spec: { containers: Array<{ name: string; command: string[] }> } } } };
    const daemon = ds.spec.template.spec.containers.find((c) => c.name === "netattachd");
    expect(flagsBefore(daemon?.command ?? [], "deploy/daemonset.yaml")).toEqual([...DAEMON_NODE_FLAGS]);
  });

  it("the Containerfile's CMD runs netattachd with DAEMON_NODE_FLAGS", () => {
    const cmd = /^CMD (\[.*\])$/m.exec(read("Containerfile"))?.[1];
    expect(cmd, "Containerfile has a CMD in exec form").toBeDefined();
    expect(flagsBefore(JSON.parse(cmd!) as string[], "Containerfile")).toEqual([...DAEMON_NODE_FLAGS]);
  });
});
