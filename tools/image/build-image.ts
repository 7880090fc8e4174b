// The netattach container image, assembled without a registry or a container builder: a base
// layer of Debian 12 packages (what the daemon and its delegates exec, and Node's libraries)
// plus the Node binary that runs this build, and an app layer with what `npm run build` writes.
// Containerfile at the repository root builds the same layout from a registry base image.
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, copyFile, mkdir, readdir, rename, rm, stat, symlink } from "node:fs/promises";
import { basename, join } from "node:path";
import { execa } from "execa";
import { CACHE_HOME } from "./cache-home.js";
import { fetchDebs, unpackDebs } from "./debian-packages.js";
import { sha256File, tarLayer, writeOciImage } from "./oci-image.js";

/** Where the image keeps its programs (the DaemonSet runs them from here). */
export const APP_DIR = "usr/lib/netattach";
export const APP_FILES = ["netattachd.mjs", "netattachctl.mjs", "netattach-cni", "netattach-spawner"] as const;

/**
 * Node/V8 flags netattachd runs with, here, in deploy/daemonset.yaml and in Containerfile
 * (test/meta/daemon-node-flags.test.ts keeps them in step). Measured with bench:containerd,
 * bench:concurrent and kube-api-memory --node-args (issue 10), side by side:
 * - --optimize-for-size idles ~25 MiB lower (93 → 68 MiB without a cluster, 115 → 86 MiB with
 *   1000 pods and 200 definitions), for no measurable latency.
 * - --lite-mode (V8's interpreter only, feedback allocated lazily) another ~10-15 MiB lower (idle
 *   with 1000 pods and 200 definitions 74 → 66 MiB; peak of 20 pods with +2 networks at once
 *   82-86 → 67-69 MiB) and no more CPU: the daemon mostly waits for plugins, and never runs
 *   long enough hot for an optimizing compiler to pay back (bench:containerd 14.0 → 11.3 ms
 *   per pod, bench:concurrent 10.7 → 9.5). It turns WebAssembly off, which only Node's fetch
 *   needs (undici's llhttp), and only the oidc auth-provider of a kubeconfig calls fetch:
 *   kube-client.ts refuses that at start-up rather than crash at the first refresh.
 *   --no-expose-wasm says so, which keeps V8's "disabling flag --expose_wasm" warning off stderr.
 * - --max-old-space-size keeps the heap well under the DaemonSet's memory limit so V8 collects
 *   harder before the kernel would kill it.
 * --max-semi-space-size=1 and --single-threaded measured no better.
 */
export const DAEMON_NODE_FLAGS = [
  "--optimize-for-size",
  "--lite-mode",
  "--no-expose-wasm",
  "--max-old-space-size=160",
] as const;

/**
 * Environment of the image (here and in Containerfile; test/meta/daemon-node-flags.test.ts keeps
 * them in step), so the DaemonSet's netattachd gets it too. glibc's malloc raises its mmap
 * threshold each time a large block is freed (reading the 3 MB bundle, LIST pages), after which
 * such blocks come from the heap and their freed pages stay resident: a fixed 128 KiB threshold
 * keeps ~8 MiB less RSS once idle (kube-api-memory side by side; gdb's malloc_trim(0) on an idle
 * daemon without it freed ~20 MiB).
 */
export const DAEMON_ENV = { GLIBC_TUNABLES: "glibc.malloc.mmap_threshold=131072" } as const;

// Runtime libraries of the binaries the image runs, not the packages' whole Depends closure
// (that would pull debconf and perl for iproute2): node (libc6, libgcc-s1, libstdc++6); ip
// (iproute2: libbpf1, libelf1, libmnl0, libbsd0, libmd0, libcap2, zlib1g); nsenter and
// unshare (util-linux: libselinux1, libpcre2-8-0), which the daemon execs to edit routes, and
// setpriv (util-linux: libcap-ng0), which starts plugins with a parent-death signal when
// netattach-spawner (libc6 only) cannot;
// iptables for the portmap and bridge (ipMasq) delegates (libxtables12, libip4tc2, libip6tc2,
// libnftnl11, libnetfilter-conntrack3, libnfnetlink0; netbase for /etc/protocols); dash as sh.
export const DEBIAN_PACKAGES = [
  "libc6",
  "libgcc-s1",
  "libstdc++6",
  "gcc-12-base",
  "iproute2",
  "libbpf1",
  "libelf1",
  "libmnl0",
  "libbsd0",
  "libmd0",
  "libcap2",
  "zlib1g",
  "util-linux",
  "libselinux1",
  "libpcre2-8-0",
  "libcap-ng0",
  "iptables",
  "libxtables12",
  "libip4tc2",
  "libip6tc2",
  "libnftnl11",
  "libnetfilter-conntrack3",
  "libnfnetlink0",
  "netbase",
  "dash",
] as const;

/** Debian makes these with update-alternatives at install time; dpkg -x does not. nft, Debian 12's default. */
const ALTERNATIVES: ReadonlyArray<readonly [string, string]> = [
  ...["iptables", "iptables-save", "iptables-restore", "ip6tables", "ip6tables-save", "ip6tables-restore"].map(
    (n) => [`usr/sbin/${n}`, "xtables-nft-multi"] as const,
  ),
  ["bin/sh", "dash"],
];

const BASE_VERSION = "1"; // bump when the base layer's assembly changes

export interface ImageOptions {
  /** Image reference, e.g. localhost/netattach:0.1.0. */
  readonly name: string;
  /** Directory holding APP_FILES (what `npm run build` writes). */
  readonly buildDir: string;
  /** The tarball to write. */
  readonly out: string;
  /** Node binary to ship (main.ts passes the one running the build). */
  readonly node: string;
  /** Debs and the base layer are kept here between builds. */
  readonly cacheDir?: string;
}

export interface BuiltImage {
  readonly name: string;
  readonly tarball: string;
  readonly bytes: {
    readonly image: number;
    readonly baseLayer: number;
    readonly appLayer: number;
    readonly shim: number;
    readonly node: number;
  };
}

export const DEFAULT_CACHE = join(CACHE_HOME, "image");

export async function buildImage(o: ImageOptions): Promise<BuiltImage> {
  const cacheDir = o.cacheDir ?? DEFAULT_CACHE;
  const node = o.node;
  for (const f of APP_FILES)
    if (!existsSync(join(o.buildDir, f))) throw new Error(`${join(o.buildDir, f)} is missing: run npm run build first`);
  const work = join(cacheDir, `work-${randomBytes(4).toString("hex")}`);
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  try {
    const base = await baseLayer(cacheDir, work, node);
    const appRoot = join(work, "app");
    await mkdir(join(appRoot, APP_DIR), { recursive: true });
    for (const f of APP_FILES) await copyFile(join(o.buildDir, f), join(appRoot, APP_DIR, f));
    for (const f of APP_FILES) await chmod(join(appRoot, APP_DIR, f), 0o755);
    const app = await tarLayer(appRoot, join(work, "app.tar"), ["usr"]);
    const tmpOut = `${o.out}.${randomBytes(4).toString("hex")}.tmp`;
    await writeOciImage({
      name: o.name,
      layers: [base, app],
      config: {
        Env: [
          "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
          ...Object.entries(DAEMON_ENV).map(([k, v]) => `${k}=${v}`),
        ],
        Cmd: ["node", ...DAEMON_NODE_FLAGS, `/${APP_DIR}/netattachd.mjs`, "--config=/etc/netattach/netattachd.yaml"],
        WorkingDir: "/",
      },
      history: [
        `Debian 12 packages (${DEBIAN_PACKAGES.join(" ")}) and node ${await nodeVersion(node)}`,
        `netattach ${APP_FILES.join(" ")}`,
      ],
      workDir: work,
      out: tmpOut,
    });
    await rename(tmpOut, o.out);
    const size = async (p: string): Promise<number> => (await stat(p)).size;
    return {
      name: o.name,
      tarball: o.out,
      bytes: {
        image: await size(o.out),
        baseLayer: await size(base),
        appLayer: await size(app),
        shim: await size(join(o.buildDir, "netattach-cni")),
        node: await size(node),
      },
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The base layer, rebuilt only when a package version or the Node binary changes. */
async function baseLayer(cacheDir: string, work: string, node: string): Promise<string> {
  const debs = await fetchDebs(DEBIAN_PACKAGES, join(cacheDir, "debs"));
  const key = createHash("sha256")
    .update([BASE_VERSION, ...debs.map((d) => basename(d)), await sha256File(node)].join("\n"))
    .digest("hex")
    .slice(0, 16);
  const cached = join(cacheDir, `base-${key}.tar`);
  if (existsSync(cached)) return cached;
  const root = join(work, "base");
  await unpackDebs(debs, root);
  for (const [link, target] of ALTERNATIVES) {
    await rm(join(root, link), { force: true });
    await symlink(target, join(root, link));
  }
  await mkdir(join(root, "usr/bin"), { recursive: true });
  await copyFile(node, join(root, "usr/bin/node"));
  await chmod(join(root, "usr/bin/node"), 0o755);
  for (const dir of [
    "etc/netattach",
    "etc/cni/net.d",
    "opt/cni/bin",
    "run/netattach",
    "var/lib/netattach",
    "var/lib/cni",
    "var/run/netns",
    "tmp",
  ])
    await mkdir(join(root, dir), { recursive: true });
  await chmod(join(root, "tmp"), 0o1777);
  // Documentation and manuals are a third of the packages' size and never read in a pod.
  await rm(join(root, "usr/share/doc"), { recursive: true, force: true });
  await rm(join(root, "usr/share/man"), { recursive: true, force: true });
  await rm(join(root, "usr/share/locale"), { recursive: true, force: true });
  const tmp = `${cached}.${randomBytes(4).toString("hex")}.tmp`;
  await tarLayer(root, tmp, ["."]);
  await rename(tmp, cached);
  // Keep one base: older ones are ~100 MB each.
  for (const f of await readdir(cacheDir))
    if (/^base-[0-9a-f]+\.tar$/.test(f) && join(cacheDir, f) !== cached) await rm(join(cacheDir, f), { force: true });
  return cached;
}

export async function nodeVersion(node: string): Promise<string> {
  return (await execa(node, ["--version"])).stdout.trim();
}
