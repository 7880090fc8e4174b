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
// a ~110 MB binary.
//
// The shim is started once per pod operation, so what it loads is most of its cost:
// - no grpc-js and no node:http2: the generated client runs over the shim's own small
//   HTTP/2 client on Bun's native sockets (client-cni/src/unary-transport.ts and
//   transport/http2-connection.ts). Measured: a cold call costs ~20 ms more with grpc-js, ~9 ms
//   more with node:http2 (whose JS Bun compiles at first use);
// - the client is loaded only for daemon commands, the socket opened before it loads;
// - --conditions=import: CommonJS dependencies (nice-grpc-error-details' generated
//   codecs) share the tree-shaken ESM build of @bufbuild/protobuf instead of pulling in
//   its whole CommonJS copy (see `bun build --metafile`).
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
