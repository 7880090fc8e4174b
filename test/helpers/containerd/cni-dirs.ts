// The one CNI bin dir containerd 1.6 accepts (it becomes CNI_PATH): symlinks to the real
// plugins plus whatever extra binaries a test installs next to them.
import { mkdir, readdir, symlink } from "node:fs/promises";
import { join } from "node:path";
import { CNI_BIN_DIRS } from "../cni-bin.js";

export async function makeCniBinDir(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const src of [...CNI_BIN_DIRS].reverse()) {
    for (const name of await readdir(src)) {
      await symlink(join(src, name), join(dir, name)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== "EEXIST") throw err;
      });
    }
  }
  return dir;
}
