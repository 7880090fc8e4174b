// `npm run image`: builds the netattach container image as an OCI layout tarball, with no
// registry: `npm run build`, then Debian packages + this machine's Node + the build outputs.
// Usage: npm run image [-- --out build/netattach-image.oci.tar] [--name localhost/netattach:VERSION] [--no-build]
// Import it where containerd runs: ctr -n k8s.io images import build/netattach-image.oci.tar
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { buildImage, nodeVersion } from "./build-image.js";
import { imageName } from "./image-name.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const { values } = parseArgs({
  options: { out: { type: "string" }, name: { type: "string" }, "no-build": { type: "boolean" } },
});
const version = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }).version;
const node = process.execPath;
const major = Number(/^v(\d+)/.exec(await nodeVersion(node))?.[1]);
if (major < 20) {
  process.stderr.write(
    `npm run image: the image ships the Node that runs this build (${process.version}); Node 20 or newer is needed\n`,
  );
  process.exit(1);
}
if (!values["no-build"])
  execFileSync(node, [join(root, "tools/build.mjs")], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
const built = await buildImage({
  name: values.name ?? imageName(version),
  buildDir: join(root, "build"),
  out: resolve(values.out ?? join(root, "build", "netattach-image.oci.tar")),
  node,
});
const mb = (n: number): string => `${(n / 1e6).toFixed(1)} MB`;
process.stdout.write(
  [
    `image ${built.name}: ${built.tarball}`,
    `  size ${mb(built.bytes.image)} (base layer ${mb(built.bytes.baseLayer)}: Debian packages + node ${mb(built.bytes.node)}; app layer ${mb(built.bytes.appLayer)}: shim ${mb(built.bytes.shim)} + bundles)`,
    `  import: ctr -n k8s.io images import ${built.tarball}`,
    "",
  ].join("\n"),
);
