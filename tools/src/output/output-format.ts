// -o / --output: text (a table or lines), wide (the table with more columns), json, yaml.
import { stringify as toYaml } from "yaml";
import { UsageError } from "../command.js";

export const OUTPUT_FORMATS = ["text", "wide", "json", "yaml"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export function parseOutputFormat(value: string | undefined): OutputFormat {
  if (value === undefined) return "text";
  const found = OUTPUT_FORMATS.find((f) => f === value);
  if (found === undefined) throw new UsageError(`--output must be one of ${OUTPUT_FORMATS.join("|")}, got "${value}"`);
  return found;
}

export function isStructured(format: OutputFormat): format is "json" | "yaml" {
  return format === "json" || format === "yaml";
}

/** A plain value (no class instances) as the document -o json or -o yaml prints. */
export function structuredText(format: "json" | "yaml", value: unknown): string {
  return format === "json" ? JSON.stringify(value, null, 2) + "\n" : toYaml(value, { lineWidth: 0 });
}
