#!/usr/bin/env node
// npm run build → build/netattach-cni: the CNI shim as ONE self-contained executable
// (Bun runtime + bundled code + precompiled bytecode) that runs on a host without Node.js.
//
// Why Bun --compile --bytecode and not a Node single-executable application (measured by
// `npx tsx test/bench/shim-overhead.ts`, which prints both): Bun starts the shim and
// finishes a unary call over the unix socket in well under half the time of `node` running
// the same bundle, and a Node SEA cannot beat node itself here: Node 20's snapshot builder
// cannot load http/http2 (so no "useSnapshot" with grpc-js), and injecting the blob needs
// postject, which is not a dependency of this project. The price: a ~110 MB binary.
//
// Start-up is most of the shim's cost, so the bundle is kept small (see
// `bun build --metafile`): no grpc-js (the generated client runs over a lean node:http2
// channel, client-cni/src/unary-transport.ts), the client loaded only for daemon
// commands, and --conditions=import so CommonJS dependencies (nice-grpc-error-details'
// generated codecs) share the tree-shaken ESM build of @bufbuild/protobuf instead of
// pulling in its whole CommonJS copy.
//
// Usage: node tools/build.mjs [--out build/netattach-cni] [--entry file.ts]
// (--entry builds another program with exactly these flags; the benchmark's floor.)
import { spawnSync } from "node:child_process";
import process from "node:process";
import { mkdirSync } from "node:fs";
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
  process.stderr.write(`build check failed: VERSION → exit ${check.status}, stdout ${check.stdout} stderr ${check.stderr}\n`);
  process.exit(1);
}
process.stdout.write(`built ${out}\n`);
