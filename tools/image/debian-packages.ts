// Debian packages for the image, fetched with apt from the machine's own mirror (the one
// registry these machines reach) into a cache checked by sha256, and unpacked with dpkg -x.
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { sha256File } from "./oci-image.js";

interface DebUri {
  readonly file: string;
  readonly sha256: string;
}

/** `apt-get download --print-uris`: file names and hashes, without downloading. */
async function debUris(packages: readonly string[]): Promise<DebUri[]> {
  const run = () => execa("apt-get", ["download", "--print-uris", ...packages], { reject: false });
  let r = await run();
  if (r.exitCode !== 0) {
    // No or stale package lists (a machine where setup had nothing to install): refresh once.
    await execa("apt-get", ["update", "-qq"]);
    r = await run();
    if (r.exitCode !== 0) throw new Error(`apt-get download --print-uris failed: ${r.stderr}`);
  }
  return r.stdout
    .split("\n")
    .filter((l) => l.startsWith("'"))
    .map((l) => {
      const [, file = "", , hash = ""] = l.split(" ");
      return { file, sha256: hash.replace(/^SHA256:/i, "").toLowerCase() };
    });
}

/** Paths of the .deb files, downloading only those not already cached with the right hash. */
export async function fetchDebs(packages: readonly string[], cacheDir: string): Promise<string[]> {
  await mkdir(cacheDir, { recursive: true });
  const uris = await debUris(packages);
  const cached = async (u: DebUri): Promise<boolean> =>
    existsSync(join(cacheDir, u.file)) && (u.sha256 === "" || (await sha256File(join(cacheDir, u.file))) === u.sha256);
  const missing: string[] = [];
  for (const pkg of packages) {
    const u = uris.find((x) => x.file.startsWith(`${pkg}_`));
    if (u === undefined) throw new Error(`apt has no download for package ${pkg}`);
    if (!(await cached(u))) missing.push(pkg);
  }
  if (missing.length > 0) {
    await execa("apt-get", ["download", "-qq", "-o", "APT::Sandbox::User=root", ...missing], { cwd: cacheDir });
    for (const u of uris)
      if (!(await cached(u))) throw new Error(`${u.file}: downloaded file does not match its SHA256`);
  }
  return uris.map((u) => join(cacheDir, u.file));
}

export async function unpackDebs(debs: readonly string[], rootfs: string): Promise<void> {
  await mkdir(rootfs, { recursive: true });
  for (const deb of debs) await execa("dpkg-deb", ["-x", deb, rootfs]);
}
