// The smallest node a netattachd process starts on: bin/noop (the noop fixture plugin) and
// net.d/10-c.conflist, cluster network "c" running it.
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const NOOP = fileURLToPath(new URL("../fixtures/plugins/noop.mjs", import.meta.url));

export const NOOP_CLUSTER_NETWORK = "c";

/** Creates bin/ and net.d/ in `dir` (which exists). */
export async function writeNoopCluster(dir: string): Promise<void> {
  await mkdir(join(dir, "bin"));
  await mkdir(join(dir, "net.d"));
  await symlink(NOOP, join(dir, "bin", "noop"));
  await writeFile(
    join(dir, "net.d", "10-c.conflist"),
    JSON.stringify({ cniVersion: "1.0.0", name: NOOP_CLUSTER_NETWORK, plugins: [{ type: "noop" }] }),
  );
}
