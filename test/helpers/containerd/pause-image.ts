// Builds the sandbox ("pause") image these machines cannot pull: an OCI image layout tarball
// whose one uncompressed layer holds /bin/busybox (busybox-static), entrypoint `sleep`.
// Written by the same OCI code as the netattach image (tools/image/oci-image.ts).
import { copyFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { tarLayer, writeOciImage } from "../../../tools/image/oci-image.js";

export interface PauseImageOptions {
  /** Scratch directory; the tarball is written as <dir>/pause.oci.tar. */
  dir: string;
  /** Image reference containerd registers, e.g. localhost/netattach-pause:test. */
  name: string;
  busybox?: string;
}

/** Returns the path of an OCI layout tar ready for `ctr images import`. */
export async function buildPauseImage(opts: PauseImageOptions): Promise<string> {
  const rootfs = join(opts.dir, "rootfs");
  await mkdir(join(rootfs, "bin"), { recursive: true });
  await copyFile(opts.busybox ?? "/bin/busybox", join(rootfs, "bin", "busybox"));
  const layer = await tarLayer(rootfs, join(opts.dir, "layer.tar"), ["bin"]);
  return writeOciImage({
    name: opts.name,
    layers: [layer],
    config: { Entrypoint: ["/bin/busybox", "sleep", "2147483647"], WorkingDir: "/" },
    history: ["netattach test pause image (busybox sleep)"],
    workDir: opts.dir,
    out: join(opts.dir, "pause.oci.tar"),
  });
}
