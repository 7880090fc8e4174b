// Readiness of the state dir: every ADD saves its plan there before any plugin runs, so a dir that
// is gone (removed under the daemon) or cannot be written (a disk remounted read-only after an
// error) makes every ADD fail; the node must say so before the runtime sends them. Checked with
// stat + access(W_OK) on each readiness poll: nothing is written. DELs run from what is saved and
// are served either way (a record that cannot be removed is a warn line, see detach.ts).
import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import { describeIoError } from "../cni/index.js";

/** Why ADDs cannot save their attachments under `stateDir`, or undefined when they can. */
export async function stateDirProblem(stateDir: string): Promise<string | undefined> {
  const why = (what: string): string =>
    `state dir ${stateDir} ${what}: ADDs cannot save their attachments (DELs are still served)`;
  try {
    if (!(await stat(stateDir)).isDirectory()) return why("is not a directory");
    await access(stateDir, constants.W_OK);
    return undefined;
  } catch (err) {
    return why(`cannot be written: ${describeIoError(err)}`);
  }
}
