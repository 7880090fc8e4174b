// What every netattachctl command gets and returns. Commands never touch `process`:
// main.ts hands them argv, env, the output streams, the cwd and an abort signal.

/** Exit codes scripts can rely on. */
export const ExitCode = { Ok: 0, Failed: 1, Usage: 2 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Anything with write(string): process.stdout in main.ts, a string collector in tests. */
export interface Output {
  write(chunk: string): unknown;
}

export interface CommandContext {
  /** Arguments after the command name. */
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: Output;
  readonly stderr: Output;
  /** Relative paths (netns, conf files) resolve against this. */
  readonly cwd: string;
  /** Effective user id (doctor's root-only probes); undefined = unknown, treated as not root. */
  readonly uid?: number;
  /** Fires on SIGINT/SIGTERM; long operations must stop and kill what they started. */
  readonly signal?: AbortSignal;
}

export interface Command {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Full `--help` text. */
  readonly usage: string;
  run(ctx: CommandContext): Promise<ExitCode>;
}

/** Bad invocation (unknown flag, missing argument): exit 2 with the message on stderr. */
export class UsageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "UsageError";
  }
}
