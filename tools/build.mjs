#!/usr/bin/env node
// npm run build → build/netattach-cni: the CNI shim as ONE self-contained executable
// (Bun runtime + bundled code + precompiled bytecode) that runs on a host without Node.js.
//
// Why Bun --compile --bytecode and not a Node single-executable application (measured by
// `npx tsx test/bench/shim-overhead.ts`, which prints every packaging side by side): Bun
// starts the shim and finishes a unary call over the unix socket in a third of the time of
// `node` running the same bundle, and a Node SEA cannot beat node itself here (Node 20's
// snapshot builder cannot load net/http2; injecting the blob needs postject, which is not
// a dependency of this project). Without --bytecode Bun is ~50% slower. --minify,
// --compile-exec-argv=--smol and --format=esm measured the same, within noise. The price:
// a ~112 MB binary.
//
// The shim is started once per pod operation, so what it loads is most of its cost:
// - no gRPC stack at all: the generated client makes Connect calls (HTTP/1.1, binary protobuf)
//   through Bun's native fetch over the daemon's unix socket, which serves gRPC and Connect
//   on one socket (client-cni/src/transport/connect-transport.ts). `npm run bench:shim`
//   compares it, compiled, with the hand-written HTTP/2 stack it replaced, Bun's node:http2
//   and grpc-js;
// - stdin and stdout through Bun's own I/O: node:fs and process.stdout are JS modules Bun
//   builds at first use (client-cni/src/main.ts);
// - the client is loaded only for daemon commands (code behind a dynamic import costs
//   nothing until it runs, measured);
// - --conditions=import: CommonJS dependencies (nice-grpc-error-details' generated
//   codecs) share the tree-shaken ESM build of @bufbuild/protobuf instead of pulling in
//   its whole CommonJS copy (see `bun build --metafile`).
// Size: 112 MB. The shim itself is the ELF section .bun: its 0.12 MB bundle and 2.7 MB of
// bytecode; the other 109 MB are Bun (bun.exe alone is 107 MB, already stripped). Dropping
// --bytecode would save 2.5% of the size for a much slower start; nothing else to shrink.
//
// `npm run build` also writes build/netattachd.mjs and build/netattachctl.mjs (see "Node
// bundles" below) and build/netattach-spawner beside them (see "netattach-spawner").
//
// Usage: node tools/build.mjs [--out build/netattach-cni] [--entry file.ts]
//        node tools/build.mjs --bundles DIR    (only the Node bundles and the spawner, into DIR)
//        node tools/build.mjs --spawner        (only build/netattach-spawner, when its source is newer)
// (--entry builds another program with exactly these flags; the benchmark's floor.
// --out or --entry build the shim alone, as before.)
import { spawnSync } from "node:child_process";
import process from "node:process";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : def;
};
const out = resolve(root, arg("--out", "build/netattach-cni"));
const shimEntry = join(root, "client-cni/src/main.ts");
const entry = resolve(root, arg("--entry", shimEntry));
const bun = join(root, "node_modules", ".bin", "bun");

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: ["ignore", "inherit", "inherit"], ...opts });
  if (r.status !== 0) {
    process.stderr.write(`build failed: ${cmd} ${args.join(" ")} (exit ${r.status ?? r.signal})\n`);
    process.exit(1);
  }
  return r;
}

// ---- Node bundles: netattachd.mjs and netattachctl.mjs ------------------------------------
// One ESM file each for Node 20 that imports only node:* modules (plus optional packages its
// dependencies try to require and do without: bufferutil, utf-8-validate, encoding,
// supports-color): `node netattachd.mjs` runs from any directory, without node_modules or tsx
// (the DaemonSet's layout). Measured by `npm run bench:bundle` (tsx and the bundle side by side):
// daemon RSS without a cluster ~110 → ~86 MB 3 s after start (~84 → ~61 MB once idle); with
// informers holding 1000 pods + 200 definitions ~244 → ~113 MB (~174 → ~81 MB idle): under tsx
// each of @kubernetes/client-node's ~800 modules is loaded and transformed on its own; bundled
// and minified it is ~1 MB of text. Listening ~650 → ~280 ms after spawn; `netattachctl status`
// ~650 → ~170 ms. AttachNetworks/DetachNetworks overhead: the same within noise.
// Why esbuild (installed with tsx) and not `bun build --target=node`: they start about as fast,
// but esbuild's minified bundle idles ~5 MB lower (60 vs 65 MB), and its plugin API runs here
// under Node (embedding the descriptor set needs a load hook; Bun's CLI has none).
// - minify: V8 keeps a script's whole source text; keeping identifiers (whitespace and syntax
//   minified only) idles ~10 MB higher. keepNames (~1 MB) keeps class names in logged errors
//   (pino's `type`) and stack traces.
// - ASCII output (esbuild's default charset): one non-ASCII character would make V8 hold the
//   whole source as a two-byte string.
// - @kubernetes/client-node (~1 MB of the ~3 MB) is reachable only through compose-daemon's
//   dynamic import, so esbuild wraps it in lazy init functions run only when kubernetes.mode is
//   not none (a code-split build idles no lower; it only has less startup garbage).
// - The gRPC reflection descriptor (proto/gen/descriptor.binpb, which server code reads relative
//   to its source file) is embedded: descriptor-set.ts is swapped for a module with the same
//   exports that returns the embedded bytes for the default URL.
// - CommonJS dependencies call require() for node:* modules: the banner gives ESM a require.
// - package.json's version is defined as __NETATTACH_VERSION__ (server/src/kube/client-identity.ts):
//   the bundle has no package.json beside it, and the API server must see netattachd/<version>.
// - Unused code out of the daemon's heap (kube-api-memory: the kube edge's share of the heap ~8.5 →
//   ~5.5 MB, the bundle 3.4 → 2.6 MB). V8 keeps the whole source and builds every class a module
//   declares, so a module that is bundled but never used still costs memory:
//   - @kubernetes/client-node is ESM without `"sideEffects": false`, so esbuild keeps every module
//     its index re-exports (exec, attach, cp, port-forward, proxies, OIDC, ...). Its modules only
//     declare classes and functions: marked side-effect free, only what the daemon imports stays.
//   - node-fetch 2 requires whatwg-url (with tr46's Unicode tables) only as a fallback for Node's
//     own URL, which every supported Node has (`Url.URL || whatwgUrl.URL`): an empty module.
const SIDE_EFFECT_FREE = /[\\/]node_modules[\\/]@kubernetes[\\/]client-node[\\/]/;
const EMPTY_MODULES = /^whatwg-url$/;

const trimUnusedModules = {
  name: "trim-unused-modules",
  setup(build) {
    build.onResolve({ filter: EMPTY_MODULES }, (args) => ({ path: args.path, namespace: "empty-module" }));
    build.onLoad({ filter: /.*/, namespace: "empty-module" }, () => ({ contents: "module.exports = {};" }));
    build.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData === trimUnusedModules || !(args.importer + args.path).includes("@kubernetes/client-node"))
        return undefined;
      const resolved = await build.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: trimUnusedModules, // this hook skips its own lookups
      });
      return SIDE_EFFECT_FREE.test(resolved.path) ? { ...resolved, sideEffects: false } : undefined;
    });
  },
};

const BUNDLES = [
  { entry: "server/src/main.ts", out: "netattachd.mjs", expect: "usage: netattachd" },
  { entry: "tools/src/main.ts", out: "netattachctl.mjs", expect: "Usage: netattachctl" },
];
const DESCRIPTOR_MODULE = /[\\/]server[\\/]src[\\/]grpc[\\/]descriptor-set\.ts$/;
const DESCRIPTOR_PATH = '"../../../proto/gen/descriptor.binpb"';

/** Swaps descriptor-set.ts for one with the same exports that returns the embedded file. */
const embedDescriptorSet = {
  name: "embed-descriptor-set",
  setup(build) {
    build.onLoad({ filter: DESCRIPTOR_MODULE }, (args) => {
      const source = readFileSync(args.path, "utf8");
      const exported = [...source.matchAll(/^export (?:async function|const) (\w+)/gm)]
        .map((m) => m[1])
        .sort()
        .join(",");
      // The module changed: fail rather than embed something else or drop an export.
      if (!source.includes(DESCRIPTOR_PATH) || exported !== "DESCRIPTOR_SET_URL,loadDescriptorSet") {
        throw new Error(`${args.path} no longer matches what the build embeds (exports: ${exported})`);
      }
      const bytes = readFileSync(resolve(dirname(args.path), JSON.parse(DESCRIPTOR_PATH))).toString("base64");
      const contents = `import { readFile } from "node:fs/promises";
const EMBEDDED = "${bytes}";
export const DESCRIPTOR_SET_URL = new URL("netattach-embedded:descriptor.binpb");
export async function loadDescriptorSet(url: URL = DESCRIPTOR_SET_URL): Promise<Uint8Array> {
  return url === DESCRIPTOR_SET_URL ? new Uint8Array(Buffer.from(EMBEDDED, "base64")) : new Uint8Array(await readFile(url));
}
`;
      return { contents, loader: "ts" };
    });
  },
};

async function buildNodeBundles(outDir) {
  const { build } = await import("esbuild");
  const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  mkdirSync(outDir, { recursive: true });
  await Promise.all(
    BUNDLES.map(async (b) => {
      const out = join(outDir, b.out);
      const result = await build({
        entryPoints: [join(root, b.entry)],
        outfile: out,
        bundle: true,
        platform: "node",
        target: "node20",
        format: "esm",
        minify: true,
        keepNames: true,
        define: { __NETATTACH_VERSION__: JSON.stringify(version) },
        banner: {
          js: 'import { createRequire as __netattachRequire } from "node:module"; const require = __netattachRequire(import.meta.url);',
        },
        plugins: [embedDescriptorSet, trimUnusedModules],
        write: false,
        logLevel: "warning",
      });
      // The entry's own shebang runs tsx; the bundle needs plain node.
      const code = result.outputFiles[0].text.replace(/^#![^\n]*\n/, "");
      // Atomic: a daemon or test running the previous bundle keeps a whole file.
      const tmp = `${out}.${process.pid}.tmp`;
      writeFileSync(tmp, `#!/usr/bin/env node\n${code}`);
      chmodSync(tmp, 0o755);
      renameSync(tmp, out);
      // Smoke test: plain node, another cwd, nothing in the environment but PATH.
      const check = spawnSync(process.execPath, [out, "--help"], {
        cwd: "/",
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
        encoding: "utf8",
      });
      if (check.status !== 0 || !check.stdout.includes(b.expect)) {
        process.stderr.write(
          `build check failed: ${out} --help → exit ${check.status}, stdout ${check.stdout} stderr ${check.stderr}\n`,
        );
        process.exit(1);
      }
      process.stdout.write(`built ${out}\n`);
    }),
  );
}

// ---- netattach-spawner: the helper that starts plugins (server/src/cni/invoke/spawner/) ------
// Plain C against glibc, built with the machine's gcc (scripts/setup.sh installs it): Node 20
// has no way to start a process without forking itself, and a fork of the daemon costs ~5 ms of
// its CPU per plugin. Rebuilt only when the source is newer, so setup stays silent and fast.
const SPAWNER_SOURCE = join(root, "server/src/cni/invoke/spawner/netattach-spawner.c");

function buildSpawner(outPath) {
  if (existsSync(outPath) && statSync(outPath).mtimeMs >= statSync(SPAWNER_SOURCE).mtimeMs) return;
  mkdirSync(dirname(outPath), { recursive: true });
  const tmp = `${outPath}.${process.pid}.tmp`;
  run("gcc", ["-O2", "-std=c11", "-Wall", "-Wextra", "-Werror", "-o", tmp, SPAWNER_SOURCE]);
  renameSync(tmp, outPath); // atomic: a running daemon keeps the old file
  process.stdout.write(`built ${outPath}\n`);
}

if (process.argv.includes("--spawner")) {
  buildSpawner(join(root, "build", "netattach-spawner"));
  process.exit(0);
}

const bundleDir = arg("--bundles", undefined);
if (bundleDir !== undefined) {
  await buildNodeBundles(resolve(root, bundleDir));
  buildSpawner(join(resolve(root, bundleDir), "netattach-spawner"));
  process.exit(0);
}

mkdirSync(dirname(out), { recursive: true });
// No .env / bunfig.toml autoloading: a file in whatever cwd the runtime execs us from must
// not change how the shim behaves.
run(bun, [
  "build",
  "--compile",
  "--bytecode",
  "--minify",
  "--conditions=import",
  "--no-compile-autoload-dotenv",
  "--no-compile-autoload-bunfig",
  "--target=bun-linux-x64",
  entry,
  "--outfile",
  out,
]);
if (entry !== shimEntry) {
  process.stdout.write(`built ${out}\n`);
  process.exit(0);
}

// Smoke test as a runtime runs it: empty environment but CNI_COMMAND, another cwd.
const check = spawnSync(out, [], {
  cwd: "/",
  env: { CNI_COMMAND: "VERSION" },
  input: '{"cniVersion":"1.0.0"}',
  encoding: "utf8",
});
if (check.status !== 0 || !check.stdout.includes('"supportedVersions"')) {
  process.stderr.write(
    `build check failed: VERSION → exit ${check.status}, stdout ${check.stdout} stderr ${check.stderr}\n`,
  );
  process.exit(1);
}
process.stdout.write(`built ${out}\n`);
if (!process.argv.includes("--out")) {
  await buildNodeBundles(join(root, "build"));
  buildSpawner(join(root, "build", "netattach-spawner"));
}
