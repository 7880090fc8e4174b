// The launcher over node:child_process, for a daemon without netattach-spawner. Every run
// forks the whole daemon (libuv's fork), which costs ~5 ms of daemon CPU per plugin and grows
// with its heap; the spawner avoids that (spawner/). Optionally each plugin is started through
// util-linux `setpriv --pdeathsig KILL`, so it dies with the daemon even when the daemon is
// SIGKILLed.
import { spawn as nodeSpawn, type ChildProcess } from "node:child_process";
import { armStops, type Launch, type Stop } from "./launch.js";
import { createStderrBuffer, createStdoutBuffer } from "./output-buffers.js";
import { setprivExecError } from "./setpriv-exec-error.js";

export interface NodeLaunchOptions {
  /** Path of util-linux `setpriv`: each plugin is started as `setpriv --pdeathsig KILL -- <plugin>`. */
  readonly setprivPath?: string;
  /** Seams for tests. */
  readonly spawn?: typeof nodeSpawn;
  readonly killGroup?: (pid: number) => void;
}

export function createNodeLaunch(opts: NodeLaunchOptions = {}): Launch {
  const spawn = opts.spawn ?? nodeSpawn;
  // detached → the plugin leads a new process group; -pid reaches everything it started.
  const killGroup = opts.killGroup ?? ((pid: number) => process.kill(-pid, "SIGKILL"));
  const setpriv = opts.setprivPath;

  return (req, limits) =>
    new Promise((resolve, reject) => {
      let child: ChildProcess;
      const argv = req.args ?? [];
      const [file, args] =
        setpriv !== undefined ? [setpriv, ["--pdeathsig", "KILL", "--", req.path, ...argv]] : [req.path, argv];
      try {
        child = spawn(file, args, { env: req.env, stdio: ["pipe", "pipe", "pipe"], detached: true });
      } catch (err) {
        return reject(err);
      }
      const stdout = createStdoutBuffer(limits.maxStdout);
      const stderr = createStderrBuffer(limits.maxStderr);
      let stop: Stop | undefined;
      let exited = false;
      let settled = false;

      const kill = (why: Stop): void => {
        stop ??= why;
        if (child.pid === undefined) return;
        try {
          killGroup(child.pid);
        } catch {
          child.kill("SIGKILL"); // group already gone: make sure the leader is too
        }
        // A grandchild that left the group may hold the pipes open: do not wait for them.
        if (exited) finish(null, "SIGKILL");
      };
      const disarm = armStops(req, kill);

      const finish = (code: number | null, signal: NodeJS.Signals | null, spawnErr?: Error): void => {
        if (settled) return;
        settled = true;
        disarm();
        child.stdout?.destroy();
        child.stderr?.destroy();
        const text = stderr.text();
        const wrapperErr = setpriv !== undefined ? setprivExecError(code, stdout.bytes().length, text) : undefined;
        if (spawnErr !== undefined) reject(spawnErr);
        else if (wrapperErr !== undefined) reject(wrapperErr);
        else
          resolve({
            code,
            signal,
            stdout: stop === undefined ? stdout.bytes() : Buffer.alloc(0),
            stderr: text,
            ...(stop !== undefined ? { stop } : {}),
          });
      };

      child.on("error", (err) => finish(null, null, err));
      child.stdout?.on("data", (chunk: Buffer) => {
        if (!stdout.push(chunk)) kill("overflow");
      });
      child.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk));
      child.on("exit", () => {
        exited = true;
        if (stop !== undefined) finish(null, "SIGKILL");
      });
      child.on("close", (code, signal) => finish(code, signal));
      child.stdin?.on("error", () => undefined); // EPIPE: the plugin did not read its stdin
      child.stdin?.end(req.stdin);
    });
}
