// An OCI image layout tarball (what `ctr images import` and `podman load` read) from layer
// tarballs and an image config. No registry, no daemon: blobs named by their sha256.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { copyFile, mkdir, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";

export interface OciImageSpec {
  /** Reference the importer registers, e.g. localhost/netattach:0.1.0. */
  readonly name: string;
  /** Uncompressed layer tarballs, base first. */
  readonly layers: readonly string[];
  readonly config: {
    readonly Entrypoint?: readonly string[];
    readonly Cmd?: readonly string[];
    readonly Env?: readonly string[];
    readonly WorkingDir?: string;
  };
  /** One line per layer for `history`. */
  readonly history: readonly string[];
  /** Scratch directory for the layout (removed afterwards). */
  readonly workDir: string;
  /** Path of the tarball to write. */
  readonly out: string;
}

interface Blob {
  readonly digest: string;
  readonly size: number;
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

export async function writeOciImage(spec: OciImageSpec): Promise<string> {
  const layout = join(spec.workDir, "layout");
  const blobs = join(layout, "blobs", "sha256");
  await rm(layout, { recursive: true, force: true });
  await mkdir(blobs, { recursive: true });
  const putJson = async (value: unknown): Promise<Blob> => {
    const data = Buffer.from(JSON.stringify(value));
    const hex = createHash("sha256").update(data).digest("hex");
    await writeFile(join(blobs, hex), data);
    return { digest: `sha256:${hex}`, size: data.length };
  };
  const layers: Blob[] = [];
  for (const tar of spec.layers) {
    const hex = await sha256File(tar);
    await copyFile(tar, join(blobs, hex));
    layers.push({ digest: `sha256:${hex}`, size: (await stat(tar)).size });
  }
  const config = await putJson({
    architecture: "amd64",
    os: "linux",
    config: spec.config,
    // Uncompressed layers: the diff id is the layer digest.
    rootfs: { type: "layers", diff_ids: layers.map((l) => l.digest) },
    history: spec.history.map((created_by) => ({ created_by })),
  });
  const manifest = await putJson({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
    layers: layers.map((l) => ({ mediaType: "application/vnd.oci.image.layer.v1.tar", ...l })),
  });
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
          // containerd's importer names the image from this annotation; podman from the ref.name one.
          annotations: { "io.containerd.image.name": spec.name, "org.opencontainers.image.ref.name": spec.name },
        },
      ],
    }),
  );
  await execa("tar", ["-C", layout, "-cf", spec.out, "oci-layout", "index.json", "blobs"]);
  await rm(layout, { recursive: true, force: true });
  return spec.out;
}

/** A reproducible layer: fixed owner and mtime, sorted, so its digest changes only with its files. */
export async function tarLayer(rootfs: string, out: string, entries: readonly string[]): Promise<string> {
  await execa("tar", [
    "--sort=name",
    "--owner=0",
    "--group=0",
    "--numeric-owner",
    "--mtime=@0",
    "-C",
    rootfs,
    "-cf",
    out,
    ...entries,
  ]);
  return out;
}
