// netattachd runs with the same node flags however it is started: the image `npm run image` builds
// uses DAEMON_NODE_FLAGS itself, the DaemonSet's command is checked in tools/src/commands/install.test.ts,
// and the Containerfile's CMD here: in order, right before the bundle. Likewise its environment
// (DAEMON_ENV, the image's Env): the Containerfile's ENV lines here.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DAEMON_ENV, DAEMON_NODE_FLAGS } from "../../tools/image/build-image.js";

const read = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");

/** The arguments between "node" and the bundle. */
function flagsBefore(argv: readonly string[], where: string): string[] {
  const bundle = argv.findIndex((a) => a.endsWith("/netattachd.mjs"));
  expect(argv[0], `${where} starts node`).toBe("node");
  expect(bundle, `${where} runs netattachd.mjs`).toBeGreaterThan(0);
  return argv.slice(1, bundle);
}

describe("netattachd's node flags", () => {
  it("the Containerfile's CMD runs netattachd with DAEMON_NODE_FLAGS", () => {
    const cmd = /^CMD (\[.*\])$/m.exec(read("Containerfile"))?.[1];
    expect(cmd, "Containerfile has a CMD in exec form").toBeDefined();
    expect(flagsBefore(JSON.parse(cmd!) as string[], "Containerfile")).toEqual([...DAEMON_NODE_FLAGS]);
  });

  it("the Containerfile's ENV sets DAEMON_ENV", () => {
    const env = Object.fromEntries(
      [...read("Containerfile").matchAll(/^ENV (\w+)=(\S+)$/gm)].map((m) => [m[1], m[2]] as const),
    );
    expect(env).toEqual({ ...DAEMON_ENV });
  });
});
