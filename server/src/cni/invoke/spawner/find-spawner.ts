// Where netattachd finds netattach-spawner: beside the script it runs (the bundle's layouts:
// build/ and the image's /usr/lib/netattach/), else in the checkout's build/ (running from
// source, where scripts/setup.sh builds it). Found, it is run once without arguments: a binary
// that cannot start (built for another libc) must not turn every plugin exec into a failure.
import { execFile } from "node:child_process";
import { access, constants } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const SPAWNER_FILE = "netattach-spawner";

/** The checkout's build/netattach-spawner; only when running from source (a bundle is one file elsewhere). */
export const CHECKOUT_SPAWNER = import.meta.url.endsWith(".ts")
  ? fileURLToPath(new URL(`../../../../../build/${SPAWNER_FILE}`, import.meta.url))
  : undefined;

export type SpawnerLookup = { readonly ok: true; readonly path: string } | { readonly ok: false; readonly why: string };

export async function findSpawner(mainScript: string | undefined = process.argv[1]): Promise<SpawnerLookup> {
  const candidates = [
    ...new Set([
      ...(mainScript ? [join(dirname(mainScript), SPAWNER_FILE)] : []),
      ...(CHECKOUT_SPAWNER !== undefined ? [CHECKOUT_SPAWNER] : []),
    ]),
  ];
  for (const path of candidates) {
    if (
      !(await access(path, constants.X_OK).then(
        () => true,
        () => false,
      ))
    )
      continue;
    return new Promise((resolve) => {
      // Without arguments it prints its usage and exits 2: that is a binary that runs here.
      execFile(path, [], { timeout: 5_000, env: {} }, (err, _stdout, stderr) => {
        const usage = String(stderr).startsWith("usage: netattach-spawner");
        if (err?.code === 2 && usage) resolve({ ok: true, path });
        else resolve({ ok: false, why: `${path} does not run here: ${String(stderr).trim() || err?.message}` });
      });
    });
  }
  return { ok: false, why: `${SPAWNER_FILE} not found (looked in ${candidates.join(", ")})` };
}
