// Flags that mean the same to every daemon command may stand anywhere on the line, as with
// kubectl: `netattachctl --socket S list` is `netattachctl list --socket S`.
import { UsageError } from "./command.js";

const VALUE_FLAGS = [
  "--socket",
  "--output",
  "-o",
  "--timeout",
  "--certificate-authority",
  "--client-certificate",
  "--client-key",
] as const;

export interface CommandLine {
  /** The command name; undefined when none was given. */
  readonly name: string | undefined;
  /** The command's arguments, with the global flags found before it put first. */
  readonly args: readonly string[];
}

/** Splits argv at the command name; global flags before it move into the command's args. */
export function splitCommandLine(argv: readonly string[]): CommandLine {
  const globals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if ((VALUE_FLAGS as readonly string[]).includes(arg)) {
      if (i + 1 >= argv.length) throw new UsageError(`${arg} needs a value`);
      globals.push(arg, argv[++i]!);
    } else if (isInlineGlobal(arg)) {
      globals.push(arg);
    } else if (arg.startsWith("-")) {
      if (arg === "-h" || arg === "--help") return { name: undefined, args: [arg] };
      throw new UsageError(`unknown flag "${arg}" before the command`);
    } else {
      return { name: arg, args: [...globals, ...argv.slice(i + 1)] };
    }
  }
  return { name: undefined, args: globals };
}

/** The -o/--output value anywhere on the line (the last wins), for printing errors in kind. */
export function outputFlagOf(argv: readonly string[]): string | undefined {
  let found: string | undefined;
  for (let i = 0; i < argv.length && argv[i] !== "--"; i++) {
    const arg = argv[i]!;
    if (arg === "-o" || arg === "--output") found = argv[++i];
    else if (arg.startsWith("--output=")) found = arg.slice("--output=".length);
    else if (arg.startsWith("-o") && arg.length > 2) found = arg.slice(arg[2] === "=" ? 3 : 2);
  }
  return found;
}

function isInlineGlobal(arg: string): boolean {
  return (
    VALUE_FLAGS.some((f) => f.startsWith("--") && arg.startsWith(`${f}=`)) ||
    (arg.startsWith("-o") && arg.length > 2 && !arg.startsWith("--"))
  );
}
