// Builds the sandbox ("pause") image these machines cannot pull: an OCI image layout tarball
// whose one uncompressed layer holds /bin/busybox (busybox-static), entrypoint `sleep`.
import { createHash } from "node:crypto";
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";

export interface PauseImageOptions {
  /** Scratch directory; the tarball is written as <dir>/pause.oci.tar. */
  dir: string;
  /** Image reference containerd registers, e.g. localhost/netattach-pause:test. */
  name: string;
  busybox?: string;
}

interface Blob {
  digest: string;
  size: number;
}

async function putBlob(blobsDir: string, data: Buffer): Promise<Blob> {
  const hex = createHash("sha256").update(data).digest("hex");
  await writeFile(join(blobsDir, hex), data);
  return { digest: `sha256:${hex}`, size: data.length };
}

/** Returns the path of an OCI layout tar ready for `ctr images import`. */
export async function buildPauseImage(opts: PauseImageOptions): Promise<string> {
  const rootfs = join(opts.dir, "rootfs");
  const layout = join(opts.dir, "layout");
  const blobs = join(layout, "blobs", "sha256");
  await mkdir(join(rootfs, "bin"), { recursive: true });
  await mkdir(blobs, { recursive: true });
  await copyFile(opts.busybox ?? "/bin/busybox", join(rootfs, "bin", "busybox"));

  const layerTar = join(opts.dir, "layer.tar");
  // Reproducible layer: fixed owner and mtime, so the digest only changes with busybox.
  await execa("tar", ["--sort=name", "--owner=0", "--group=0", "--numeric-owner", "--mtime=@0", "-C", rootfs, "-cf", layerTar, "bin"]);
  const layerData = await readFile(layerTar);
  const layer = await putBlob(blobs, layerData);

  const config = await putBlob(
    blobs,
    Buffer.from(
      JSON.stringify({
        architecture: "amd64",
        os: "linux",
        config: { Entrypoint: ["/bin/busybox", "sleep", "2147483647"], WorkingDir: "/" },
        rootfs: { type: "layers", diff_ids: [layer.digest] },
        history: [{ created_by: "netattach test pause image (busybox sleep)" }],
      }),
    ),
  );
  const manifest = await putBlob(
    blobs,
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
        layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", ...layer }],
      }),
    ),
  );
  await writeFile(join(layout, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  await writeFile(
    join(layout, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          ...manifest,
          platform: { architecture: "amd64", os: "linux" },
          // containerd's importer names the image from this annotation.
          annotations: { "io.containerd.image.name": opts.name },
        },
      ],
    }),
  );
  const tarball = join(opts.dir, "pause.oci.tar");
  await execa("tar", ["-C", layout, "-cf", tarball, "oci-layout", "index.json", "blobs"]);
  return tarball;
}
