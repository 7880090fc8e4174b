// The launcher over netattach-spawner (netattach-spawner.c): one long-lived helper process,
// started at the first run, that starts every plugin with vfork. The daemon only writes a
// request and reads a reply per run (~0.1 ms of its CPU, against ~5 ms for forking itself).
//
// The kernel kills the spawner when the daemon dies and the plugins when the spawner dies, so
// the parent-death guarantee of setpriv holds, without running setpriv per plugin. If the
// spawner dies while the daemon lives (a bug, an OOM kill), its running plugins die with it,
// their runs fail with an error that says so, and the next run starts a new spawner.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { constants } from "node:os";
import { getSystemErrorName } from "node:util";
import { armStops, stderrText, type Launch, type LaunchLimits, type LaunchResult, type Stop } from "../launch.js";
import type { ExecRequest } from "../types.js";
import { PLUGIN_OWNER_ENV } from "../leftover-plugins.js";
import {
  createReplyReader,
  encodeKill,
  encodeLinks,
  encodeSpawn,
  ReplyKind,
  type SpawnerReply,
} from "./spawner-protocol.js";

/** The errno-style code of a run that failed because the spawner itself failed. */
export const SPAWNER_FAILED = "ESPAWNER";

export interface SpawnerLaunchOptions {
  /** The netattach-spawner executable. */
  readonly path: string;
  /** The owner mark, also on the spawner itself (leftover-plugins.ts finds it too). */
  readonly owner?: string | undefined;
}

export interface SpawnerLaunch {
  readonly launch: Launch;
  /**
   * The links of the netns at `netns`, as `ip -j link show` JSON (ifname, address, altnames), listed
   * by a child of the spawner that enters it: a run like a plugin's (its deadline, abort, stdout bound).
   */
  listLinks(
    netns: string,
    stops: Pick<ExecRequest, "timeoutMs" | "signal">,
    limits: LaunchLimits,
  ): Promise<LaunchResult>;
  /** Ends the spawner (its running plugins are killed) and waits for it to exit. */
  close(): Promise<void>;
}

interface Pending {
  readonly resolve: (r: LaunchResult) => void;
  readonly reject: (err: Error) => void;
  stop?: Stop;
}

const SIGNAL_NAMES = new Map(Object.entries(constants.signals).map(([name, n]) => [n, name as NodeJS.Signals]));
const STDERR_KEPT = 4096;

export function createSpawnerLaunch(opts: SpawnerLaunchOptions): SpawnerLaunch {
  let proc: ChildProcessWithoutNullStreams | undefined;
  let exited: Promise<void> = Promise.resolve();
  const pending = new Map<number, Pending>();
  let nextId = 1;

  const startSpawner = (): ChildProcessWithoutNullStreams => {
    const child = spawn(opts.path, [String(process.pid)], {
      stdio: ["pipe", "pipe", "pipe"],
      env: opts.owner !== undefined ? { [PLUGIN_OWNER_ENV]: opts.owner } : {},
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr = (stderr + s).slice(-STDERR_KEPT)));
    child.stdout.on(
      "data",
      createReplyReader((reply) => settle(reply)),
    );
    child.stdin.on("error", () => undefined); // EPIPE: its exit fails the runs
    // It must not keep an idle daemon (or a test process) alive; a waiting run refs it.
    child.unref();
    unrefStreams(child);
    exited = new Promise((resolve) => {
      const fail = (why: string): void => {
        if (proc === child) proc = undefined;
        const err = spawnerError(`netattach-spawner ${opts.path} ${why}${stderr ? `: ${stderr.trim()}` : ""}`);
        for (const [id, p] of pending) {
          pending.delete(id);
          p.reject(err);
        }
        resolve();
      };
      child.on("error", (err) => fail(`could not be started: ${(err as NodeJS.ErrnoException).code ?? err.message}`));
      child.on("exit", (code, signal) => fail(signal !== null ? `was killed by ${signal}` : `exited with ${code}`));
    });
    return child;
  };

  const settle = (reply: SpawnerReply): void => {
    const p = pending.get(reply.id);
    if (p === undefined) return;
    pending.delete(reply.id);
    if (pending.size === 0 && proc !== undefined) unrefStreams(proc);
    if (reply.kind === ReplyKind.SpawnFailed || reply.kind === ReplyKind.NetnsFailed) {
      const code = getSystemErrorName(-reply.value);
      const syscall = reply.kind === ReplyKind.NetnsFailed ? "setns" : "spawn";
      return p.reject(Object.assign(new Error(`${syscall} ${code}`), { code, errno: -reply.value, syscall }));
    }
    const stop = reply.kind === ReplyKind.Overflow ? "overflow" : p.stop;
    p.resolve({
      code: reply.kind === ReplyKind.Exited ? reply.value : null,
      signal: reply.kind === ReplyKind.Signaled ? (SIGNAL_NAMES.get(reply.value) ?? null) : null,
      stdout: stop === undefined ? reply.stdout : Buffer.alloc(0),
      stderr: stderrText(reply.stderrTail, reply.stderrDropped),
      ...(stop !== undefined ? { stop } : {}),
    });
  };

  /** Sends the request `frameOf` encodes for a new run id, with the run's deadline and abort armed. */
  const start = (frameOf: (id: number) => Buffer, stops: Pick<ExecRequest, "timeoutMs" | "signal">) =>
    new Promise<LaunchResult>((resolve, reject) => {
      let frame: Buffer;
      const id = nextId++;
      try {
        frame = frameOf(id);
      } catch (err) {
        return reject(err as Error);
      }
      const child = (proc ??= startSpawner());
      let disarm = (): void => undefined;
      const entry: Pending = {
        resolve: (r) => (disarm(), resolve(r)),
        reject: (e) => (disarm(), reject(e)),
      };
      pending.set(id, entry);
      refStreams(child);
      disarm = armStops(stops, (why) => {
        entry.stop ??= why;
        if (proc === child) child.stdin.write(encodeKill(id));
      });
      child.stdin.write(frame);
    });

  return {
    launch: (req, limits) => start((id) => encodeSpawn(id, req, limits), req),
    listLinks: (netns, stops, limits) => start((id) => encodeLinks(id, netns, limits.maxStdout), stops),
    async close() {
      const child = proc;
      if (child === undefined) return;
      child.stdin.end(); // EOF: it kills the running plugins and exits
      const killer = setTimeout(() => child.kill("SIGKILL"), 2000);
      await exited;
      clearTimeout(killer);
    },
  };
}

function spawnerError(message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code: SPAWNER_FAILED });
}

function refStreams(child: ChildProcessWithoutNullStreams): void {
  for (const s of [child.stdout, child.stderr, child.stdin]) (s as unknown as { ref(): void }).ref();
}

function unrefStreams(child: ChildProcessWithoutNullStreams): void {
  for (const s of [child.stdout, child.stderr, child.stdin]) (s as unknown as { unref(): void }).unref();
}
