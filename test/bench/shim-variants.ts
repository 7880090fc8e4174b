// The programs shim-overhead.ts runs side by side, each compiled exactly as the shim is
// (tools/build.mjs: bun build --compile --bytecode ...):
// - the floor: a Bun program that writes one line the way the shim writes (writeSync on fd 1;
//   process.stdout alone costs ~13 ms of Bun start-up, which the shim never pays);
// - the shim with each transport under the same generated client and the same runShim:
//   (a) the hand-written HTTP/2 + HPACK + Huffman stack it carried until BASELINE_REV (that
//       commit's client-cni, built from git), (b) Bun's node:http2, (c) Connect over Bun's
//       native fetch (this tree: build/netattach-cni), and grpc-js (nice-grpc's channel) for
//       reference;
// - two other packagings of this tree's shim, for start-up only.
import { execFile } from "node:child_process";
import { mkdir, symlink, writeFile } from "node:fs/promises";
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
  /** (c) first: the shim this tree builds. */
  readonly transports: Program[];
  readonly packagings: Program[];
}

/** A shim entry like client-cni/src/main.ts, with `client` as the body of its client factory. */
const entry = (client: string): string => `
import { readFileSync, writeSync } from "node:fs";
import { runShim } from "${REPO_ROOT}client-cni/src/shim.ts";
runShim({
  env: process.env,
  readStdin: async () => readFileSync(0, "utf8"),
  client: async (socketPath: string) => {${client}},
  logSink: () => (line: string) => void writeSync(2, line),
  clock: { now: () => Date.now(), sleep: (ms: number) => new Promise((r) => setTimeout(r, ms)) },
}).then(({ stdout, exitCode }) => { writeSync(1, stdout); process.exit(exitCode); });
`;

const NODE_HTTP2_CLIENT = `
    const [{ AttachmentServiceDefinition }, { createGeneratedClient }, { createNodeHttp2Transport }] = await Promise.all([
      import("${REPO_ROOT}proto/gen/netattach/v1/attachment_service.ts"),
      import("${REPO_ROOT}client-cni/src/transport/generated-client.ts"),
      import("${REPO_ROOT}test/bench/shim-node-http2-transport.ts"),
    ]);
    return createGeneratedClient(AttachmentServiceDefinition, createNodeHttp2Transport(socketPath));
  `;

const GRPC_JS_CLIENT = `
    const { createChannel, createClientFactory } = await import("nice-grpc");
    const { deadlineMiddleware } = await import("nice-grpc-client-middleware-deadline");
    const { errorDetailsClientMiddleware } = await import("nice-grpc-error-details");
    const { AttachmentServiceDefinition } = await import("${REPO_ROOT}proto/gen/netattach/v1/attachment_service.ts");
    const channel = createChannel("unix://" + socketPath);
    return createClientFactory().use(errorDetailsClientMiddleware).use(deadlineMiddleware).create(AttachmentServiceDefinition, channel) as never;
  `;

const build = (src: string, out: string, root = REPO_ROOT) => execa("node", [join(root, "tools/build.mjs"), "--entry", src, "--out", out], { cwd: root });

/** BASELINE_REV's shim, built by that commit's own build script. */
async function buildBaseline(dir: string): Promise<string> {
  const src = join(dir, "baseline");
  await mkdir(src, { recursive: true });
  const archive = await promisify(execFile)("git", ["-C", REPO_ROOT, "archive", "--format=tar", BASELINE_REV, "client-cni", "proto", "tools/build.mjs", "package.json"], { encoding: "buffer", maxBuffer: 64 << 20 });
  await execa("tar", ["-x", "-C", src], { input: archive.stdout });
  await symlink(join(REPO_ROOT, "node_modules"), join(src, "node_modules"));
  const out = join(dir, "netattach-cni-http2-handwritten");
  await execa("node", [join(src, "tools/build.mjs"), "--out", out], { cwd: src });
  return out;
}

export async function buildPrograms(dir: string): Promise<Programs> {
  const bun = join(REPO_ROOT, "node_modules/.bin/bun");
  await symlink(join(REPO_ROOT, "node_modules"), join(dir, "node_modules"));
  await writeFile(join(dir, "floor.ts"), 'import { writeSync } from "node:fs";\nwriteSync(1, "hello\\n");\nprocess.exit(0);\n');
  await writeFile(join(dir, "node-http2-main.ts"), entry(NODE_HTTP2_CLIENT));
  await writeFile(join(dir, "grpc-js-main.ts"), entry(GRPC_JS_CLIENT));
  const [shim, baseline] = await Promise.all([buildShim(), buildBaseline(dir)]);
  await build(join(dir, "floor.ts"), join(dir, "floor"));
  await build(join(dir, "node-http2-main.ts"), join(dir, "netattach-cni-node-http2"));
  await build(join(dir, "grpc-js-main.ts"), join(dir, "netattach-cni-grpc-js"));
  const main = join(REPO_ROOT, "client-cni/src/main.ts");
  const common = ["--minify", "--conditions=import", main];
  await execa(bun, ["build", "--compile", "--no-compile-autoload-dotenv", "--no-compile-autoload-bunfig", ...common, "--outfile", join(dir, "no-bytecode")]);
  await execa(bun, ["build", "--target=node", "--format=esm", ...common, "--outfile", join(dir, "netattach-cni.mjs")]);
  return {
    floor: { name: "floor: bun program built like the shim", cmd: join(dir, "floor"), args: [] },
    transports: [
      { name: "(c) Connect over Bun fetch (this tree)", cmd: shim, args: [] },
      { name: `(a) hand-written HTTP/2 (${BASELINE_REV.slice(0, 7)})`, cmd: baseline, args: [] },
      { name: "(b) Bun node:http2, same generated client", cmd: join(dir, "netattach-cni-node-http2"), args: [] },
      { name: "grpc-js (nice-grpc channel), for reference", cmd: join(dir, "netattach-cni-grpc-js"), args: [] },
    ],
    packagings: [
      { name: "(c) bun --compile without --bytecode", cmd: join(dir, "no-bytecode"), args: [] },
      { name: "(c) node 20 + the same code bundled", cmd: process.execPath, args: [join(dir, "netattach-cni.mjs")] },
    ],
  };
}
