// netattachctl: dispatch to one command from the table in commands/index.ts.
// runCli never touches `process`; main.ts wires it to the real one.
import { ExitCode, UsageError, type Command, type CommandContext } from "./command.js";
import { commands as defaultCommands } from "./commands/index.js";

export interface CliOptions extends Omit<CommandContext, "argv" | "cwd"> {
  /** Arguments after the program name. */
  readonly argv: readonly string[];
  readonly cwd?: string;
  /** For tests; defaults to the real command table. */
  readonly commands?: readonly Command[];
}

export async function runCli(opts: CliOptions): Promise<ExitCode> {
  const table = opts.commands ?? defaultCommands;
  const [name, ...rest] = opts.argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    const wanted = name === "help" ? table.find((c) => c.name === rest[0]) : undefined;
    opts.stdout.write(wanted ? wanted.usage : topUsage(table));
    return name === undefined ? ExitCode.Usage : ExitCode.Ok;
  }
  const command = table.find((c) => c.name === name);
  if (command === undefined) {
    opts.stderr.write(`netattachctl: unknown command "${name}"\n\n${topUsage(table)}`);
    return ExitCode.Usage;
  }
  const ctx: CommandContext = { ...opts, argv: rest, cwd: opts.cwd ?? "/" };
  try {
    return await command.run(ctx);
  } catch (err) {
    if (err instanceof UsageError) {
      opts.stderr.write(`netattachctl ${command.name}: ${err.message}\n(run "netattachctl ${command.name} --help")\n`);
      return ExitCode.Usage;
    }
    opts.stderr.write(`netattachctl ${command.name}: ${err instanceof Error ? err.message : String(err)}\n`);
    return ExitCode.Failed;
  }
}

function topUsage(table: readonly Command[]): string {
  const width = Math.max(...table.map((c) => c.name.length));
  const lines = table.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    "Usage: netattachctl <command> [options]",
    "",
    "Commands:",
    ...lines,
    "",
    'Run "netattachctl <command> --help" for a command\'s options.',
    "Exit codes: 0 ok, 1 operation failed, 2 usage error.",
    "",
  ].join("\n");
}
