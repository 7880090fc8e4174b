// netattachctl: dispatch to one command from the table in commands/index.ts. Global flags may
// stand before the command; every failure is printed once by reportError.
// runCli never touches `process`; main.ts wires it to the real one.
import { ExitCode, UsageError, type Command, type CommandContext } from "./command.js";
import { commands as defaultCommands } from "./commands/index.js";
import { outputFlagOf, splitCommandLine, type CommandLine } from "./global-flags.js";
import { isStructured, OUTPUT_FORMATS, type OutputFormat } from "./output/output-format.js";
import { terminalSafe } from "./output/terminal-safe.js";
import { reportError } from "./report-error.js";

export interface CliOptions extends Omit<CommandContext, "argv" | "cwd"> {
  /** Arguments after the program name. */
  readonly argv: readonly string[];
  readonly cwd?: string;
  /** For tests; defaults to the real command table. */
  readonly commands?: readonly Command[];
}

export async function runCli(cliOpts: CliOptions): Promise<ExitCode> {
  // The daemon's text reaches a terminal: no escape sequence in it may act (output/terminal-safe.ts).
  const opts = { ...cliOpts, stdout: terminalSafe(cliOpts.stdout), stderr: terminalSafe(cliOpts.stderr) };
  const table = opts.commands ?? defaultCommands;
  const wanted = outputFlagOf(opts.argv);
  const format: OutputFormat = OUTPUT_FORMATS.find((f) => f === wanted) ?? "text";
  const report = (err: unknown, command?: string): ExitCode =>
    reportError(err, { command, format, stdout: opts.stdout, stderr: opts.stderr });
  let line: CommandLine;
  try {
    line = splitCommandLine(opts.argv);
  } catch (err) {
    return report(err);
  }
  const { name, args } = line;
  if (name === undefined || name === "help") {
    const help = name === "help" ? table.find((c) => c.name === args[0]) : undefined;
    opts.stdout.write(help ? help.usage : topUsage(table));
    const asked = name === "help" || args.includes("-h") || args.includes("--help");
    return asked ? ExitCode.Ok : ExitCode.Usage;
  }
  const command = table.find((c) => c.name === name);
  if (command === undefined) {
    // -o json|yaml promises {"error": ...} on stdout for every failure, this one too.
    if (isStructured(format)) return report(new UsageError(`unknown command "${name}"`));
    opts.stderr.write(`netattachctl: unknown command "${name}"\n\n${topUsage(table)}`);
    return ExitCode.Usage;
  }
  // Every command's --help is its usage, printed here rather than by each command.
  if (args.includes("-h") || args.includes("--help")) {
    opts.stdout.write(command.usage);
    return ExitCode.Ok;
  }
  try {
    return await command.run({ ...opts, argv: args, cwd: opts.cwd ?? "/" });
  } catch (err) {
    return report(err, command.name);
  }
}

function topUsage(table: readonly Command[]): string {
  const width = Math.max(...table.map((c) => c.name.length));
  const lines = table.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    "Usage: netattachctl <command> [options]",
    "       (--socket PATH, -o FORMAT and --timeout DURATION may also stand before the command)",
    "",
    "Commands:",
    ...lines,
    "",
    'Run "netattachctl <command> --help" for a command\'s options.',
    "Output (-o): text (default), wide (more columns), json, yaml; enums print as their names.",
    'A failure is printed once: as {"error": {code, reason, message, metadata}} on stdout with',
    "-o json|yaml, as text on stderr otherwise.",
    "Exit codes: 0 ok, 1 operation failed (or not ready, or a doctor check failed), 2 usage error.",
    "",
  ].join("\n");
}
