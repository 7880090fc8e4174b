// A failed plugin run → CniError (libcni invoke pluginErr): the spec error JSON on stdout
// gives code/msg/details (100+ codes pass through); with empty stdout, stderr says why.
import { CniError, CniErrorCode, isCniErrorCode, MAX_CNI_ERROR_CODE } from "../spec/errors.js";

export interface PluginFailure {
  readonly pluginType: string;
  readonly command: string;
  readonly stdout: Buffer;
  readonly stderr: string;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
}

export function pluginError(f: PluginFailure): CniError {
  const base = { plugin: f.pluginType, command: f.command, ...(f.stderr !== "" ? { stderr: f.stderr } : {}) };
  const how = f.signal !== null ? `killed by signal ${f.signal}` : `exit code ${f.exitCode ?? "unknown"}`;
  const text = f.stdout.toString("utf8").trim();
  if (text === "") {
    const msg =
      f.stderr.trim() !== ""
        ? `netplugin failed: ${JSON.stringify(tail(f.stderr.trim(), 1024))}`
        : `netplugin failed with no error message (${how})`;
    return new CniError({ ...base, kind: "plugin-failed", code: CniErrorCode.Internal, msg });
  }
  const parsed = parseErrorJson(text);
  if (parsed === undefined) {
    return new CniError({
      ...base,
      kind: "bad-output",
      code: CniErrorCode.DecodeFailure,
      msg: `netplugin failed (${how}) but its diagnostic message is not a CNI error object`,
      details: `stdout: ${JSON.stringify(text.slice(0, 512))}`,
    });
  }
  return new CniError({
    ...base,
    kind: "plugin-failed",
    code: parsed.code,
    msg: parsed.msg,
    ...(parsed.details ? { details: parsed.details } : {}),
  });
}

function parseErrorJson(text: string): { code: number; msg: string; details: string } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const o = value as Record<string, unknown>;
  if (typeof o.code !== "number" && typeof o.msg !== "string") return undefined;
  const msg = typeof o.msg === "string" && o.msg !== "" ? o.msg : "plugin error without message";
  const details = typeof o.details === "string" ? o.details : "";
  if (isCniErrorCode(o.code)) return { code: o.code, msg, details };
  // Code 0 ("unknown") means nothing to callers, and one past uint32 (1e30, -1, 2.5) breaks Go
  // runtimes decoding it: report internal, and keep what the plugin said in details.
  if (o.code === undefined) return { code: CniErrorCode.Internal, msg, details };
  const said = `the plugin's code ${codeAsWritten(text, o.code)} is not a usable CNI error code (an integer 1..${MAX_CNI_ERROR_CODE})`;
  return { code: CniErrorCode.Internal, msg, details: details !== "" ? `${said}; ${details}` : said };
}

/** The code as the plugin wrote it: a JSON number past 2^53 loses digits when parsed. */
function codeAsWritten(text: string, code: unknown): string {
  if (typeof code === "number")
    for (const m of text.matchAll(/"code"\s*:\s*(-?[\d.eE+-]+)/g)) if (Number(m[1]) === code) return m[1]!;
  return JSON.stringify(code) ?? String(code);
}

/** The end of a long stderr: plugins log progress first and the failure last. */
function tail(text: string, max: number): string {
  return text.length > max ? `…${text.slice(text.length - max)}` : text;
}
