// Failures of `netattachctl cni`: the spec error object on stdout (what a script or a
// runtime parses), and the full story (network, plugin, file, plugin stderr) on stderr.
import { CniErrorCode, isCniError } from "../../../server/src/cni/index.js";
import type { Output } from "../command.js";
import { structuredText } from "../output/output-format.js";

export function printCniError(
  err: unknown,
  cniVersion: string,
  stdout: Output,
  stderr: Output,
  format: "json" | "yaml" = "json",
): void {
  if (isCniError(err)) {
    stdout.write(structuredText(format, err.toSpecJSON(cniVersion)));
    stderr.write(`netattachctl cni: ${err.message}\n`);
    if (err.source !== undefined && !err.message.includes(err.source)) stderr.write(`  configuration: ${err.source}\n`);
    if (err.stderr) stderr.write(`  plugin stderr:\n${indent(err.stderr)}\n`);
    return;
  }
  const msg = err instanceof Error ? err.message : String(err);
  stdout.write(structuredText(format, { cniVersion, code: CniErrorCode.Internal, msg }));
  stderr.write(`netattachctl cni: ${msg}\n`);
}

function indent(text: string): string {
  return text
    .trimEnd()
    .split("\n")
    .map((line) => `    ${line}`)
    .join("\n");
}
