// Prints a command's result in the chosen format: the structured document for -o json|yaml,
// the text form (tables get their wide columns with -o wide) otherwise.
import type { Output } from "../command.js";
import { isStructured, structuredText, type OutputFormat } from "./output-format.js";

export interface Printable {
  /** Plain data for -o json|yaml. */
  readonly data: () => unknown;
  readonly text: (wide: boolean) => string;
}

export function printResult(out: Output, format: OutputFormat, result: Printable): void {
  out.write(isStructured(format) ? structuredText(format, result.data()) : result.text(format === "wide"));
}
