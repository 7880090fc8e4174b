// The programs shim-overhead.ts runs side by side, each compiled exactly as the shim is
// (tools/build.mjs: bun build --compile --bytecode ...):
// - the floor: a Bun program that writes one line the way the shim writes (Bun.write; the
//   shim never pays for node:fs or process.stdout, which Bun builds at first use);
// - the shim with each transport, all from one entry that mirrors client-cni/src/main.ts
//   (same runShim, same I/O) and differs only in the client it loads: (a) the hand-written
//   HTTP/2 + HPACK + Huffman stack it carried until BASELINE_REV (that commit's transport),
//   (b) Bun's node:http2 under the same generated client, (c) Connect over Bun's native
//   fetch, and grpc-js (nice-grpc's channel) for reference; plus the shim this tree ships
//   (build/netattach-cni), which must match (c);
// - two other packagings of this tree's shim, for start-up only.
import { execFile } from "node:child_process";
import { copyFile, mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { execa } from "execa";
import { buildShim, REPO_ROOT } from "../helpers/containerd/shim-binary.js";

/** The last commit whose shim ran on the hand-written HTTP/2 transport. */
export const BASELINE_REV = "ffeed90225892cc668606c4028ac63cf6393f9e8";

export interface Program {
  readonly name: string;
  readonly cmd: string;
  readonly args: string[];
}

export interface Programs {
  readonly floor: Program;
  /** (c) first: every other transport is compared with it. */
  readonly transports: Program[];
  /** Start-up and STATUS only. */
  readonly reference: Program;
  readonly packagings: Program[];
}

/** client-cni/src/main.ts's wiring and I/O, with `load` as the body of its loadClient. */
const entry = (load: string): string => `
import { runShim } from "${REPO_ROOT}client-cni/src/shim.ts";
const bun = (globalThis as any).Bun;
const fs = () => process.getBuiltinModule("node:fs");
runShim({
  env: process.env,
  selfPath: process.execPath,
  readStdin: () => bun.stdin.text(),
  loadClient: async () => {${load}},
  logSink: () => (line: string) => void fs().writeSync(2, line),
  clock: { now: () => Date.now(), sleep: (ms: number) => new Promise((r) => setTimeout(r, ms)), random: Math.random },
}).then(async ({ stdout, exitCode }) => { await bun.write(bun.stdout, stdout); process.exit(exitCode); });
`;

const CONNECT_CLIENT = `
    const [{ createDaemonClient }, { fetchPost }] = await Promise.all([
      import("${REPO_ROOT}client-cni/src/daemon-client.ts"),
      import("${REPO_ROOT}client-cni/src/transport/http-post.ts"),
    ]);
    return (socketPath: string) => createDaemonClient(socketPath, fetchPost(globalThis.fetch as never));
  `;

/** BASELINE_REV's transport; it opens the socket before the call needs it, as it did. */
const handWrittenClient = (baseline: string): string => `
    const [{ preopen }, { bunSocketOpener }, { createDaemonConnection }] = await Promise.all([
      import("${baseline}/client-cni/src/transport/byte-socket.ts"),
      import("${baseline}/client-cni/src/transport/bun-socket.ts"),
      import("${baseline}/client-cni/src/daemon-client.ts"),
    ]);
    return (socketPath: string) => createDaemonConnection(socketPath, preopen(bunSocketOpener(bun), socketPath)).client as never;
  `;

const NODE_HTTP2_CLIENT = `
    const [{ AttachmentServiceDefinition }, { createGeneratedClient }, { createNodeHttp2Transport }] = await Promise.all([
      import("${REPO_ROOT}proto/gen/netattach/v1/attachment_service.ts"),
      import("${REPO_ROOT}client-cni/src/transport/generated-client.ts"),
      import("${REPO_ROOT}test/bench/shim-node-http2-transport.ts"),
    ]);
    return (socketPath: string) => createGeneratedClient(AttachmentServiceDefinition, createNodeHttp2Transport(socketPath));
  `;

const GRPC_JS_CLIENT = `
    const [{ createChannel, createClientFactory }, { deadlineMiddleware }, { errorDetailsClientMiddleware }, { AttachmentServiceDefinition }] = await Promise.all([
      import("nice-grpc"),
      import("nice-grpc-client-middleware-deadline"),
      import("nice-grpc-error-details"),
      import("${REPO_ROOT}proto/gen/netattach/v1/attachment_service.ts"),
    ]);
    const factory = createClientFactory().use(errorDetailsClientMiddleware).use(deadlineMiddleware);
    return (socketPath: string) => factory.create(AttachmentServiceDefinition, createChannel("unix://" + socketPath)) as never;
  `;

const FLOOR = 'void (async () => { await Bun.write(Bun.stdout, "hello\\n"); process.exit(0); })();\n';

/** BASELINE_REV's client-cni and proto/gen, extracted from git into `dir`/baseline. */
async function extractBaseline(dir: string): Promise<string> {
  const src = join(dir, "baseline");
  await mkdir(src, { recursive: true });
  const archive = await promisify(execFile)(
    "git",
    ["-C", REPO_ROOT, "archive", "--format=tar", BASELINE_REV, "client-cni", "proto/gen"],
    { encoding: "buffer", maxBuffer: 64 << 20 },
  );
  await execa("tar", ["-x", "-C", src], { input: archive.stdout });
  return src;
}

export async function buildPrograms(dir: string): Promise<Programs> {
  const bun = join(REPO_ROOT, "node_modules/.bin/bun");
  await symlink(join(REPO_ROOT, "node_modules"), join(dir, "node_modules"));
  const baseline = await extractBaseline(dir);
  const sources: Record<string, string> = {
    floor: FLOOR,
    connect: entry(CONNECT_CLIENT),
    "hand-written": entry(handWrittenClient(baseline)),
    "node-http2": entry(NODE_HTTP2_CLIENT),
    "grpc-js": entry(GRPC_JS_CLIENT),
  };
  // Copied into this run's directory, so it is in the same page-cache state as every other
  // program: the cached build, hours old, once started 1.3-1.7 ms slower than the same bytes just
  // built (and no slower after the page cache was dropped and read back).
  const shipped = join(dir, "shipped");
  await copyFile(await buildShim(), shipped);
  for (const [name, source] of Object.entries(sources)) {
    await writeFile(join(dir, `${name}.ts`), source);
    await execa(
      "node",
      [join(REPO_ROOT, "tools/build.mjs"), "--entry", join(dir, `${name}.ts`), "--out", join(dir, name)],
      { cwd: REPO_ROOT },
    );
  }
  const main = join(REPO_ROOT, "client-cni/src/main.ts");
  const common = ["--minify", "--conditions=import", main];
  await execa(bun, [
    "build",
    "--compile",
    "--no-compile-autoload-dotenv",
    "--no-compile-autoload-bunfig",
    ...common,
    "--outfile",
    join(dir, "no-bytecode"),
  ]);
  await execa(bun, ["build", "--target=node", "--format=esm", ...common, "--outfile", join(dir, "netattach-cni.mjs")]);
  const program = (name: string, cmd: string, args: string[] = []): Program => ({ name, cmd, args });
  return {
    floor: program("floor: bun program built like the shim", join(dir, "floor")),
    transports: [
      program("(c) Connect over Bun fetch", join(dir, "connect")),
      program(`(a) hand-written HTTP/2 (${BASELINE_REV.slice(0, 7)})`, join(dir, "hand-written")),
      program("(b) Bun node:http2, same generated client", join(dir, "node-http2")),
      program("(c) as shipped: build/netattach-cni", shipped),
    ],
    reference: program("grpc-js (nice-grpc channel), for reference", join(dir, "grpc-js")),
    packagings: [
      program("(c) shipped, bun --compile without --bytecode", join(dir, "no-bytecode")),
      program("(c) shipped, node 20 + the same code bundled", process.execPath, [join(dir, "netattach-cni.mjs")]),
    ],
  };
}
