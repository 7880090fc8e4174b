// Config = DEFAULTS < file (JSON or YAML) < env NODE_NAME < flags; every problem at once.
import { isJsonObject } from "../cni/index.js";
import { dirname, resolve } from "node:path";
import { readFileWithin, type BoundedRead } from "../limits/bounded-file.js";
import { readYamlDocuments, yamlTextDepth } from "../limits/bounded-yaml.js";
import { jsonTextDepth } from "../cni/index.js";
import { quoteInput } from "../errors/bounded-text.js";
import { jsonDuplicateKey } from "./json-duplicate-key.js";
import { ConfigError } from "./config-error.js";
import type { ConfigWarning } from "./config-keys.js";
import type { DaemonConfig } from "./daemon-config.js";
import { parseFlags, setPath } from "./parse-flags.js";
import { resolvePaths } from "./resolve-paths.js";
import { validateConfig } from "./validate-config.js";

/** Nesting a config file may have (it needs 3). */
const MAX_CONFIG_DEPTH = 16;

/**
 * Bytes of the config file. A config is a few dozen keys (deploy/configmap.yaml's is under 1 KiB);
 * this leaves room for comments and parses in milliseconds. Fixed: the file cannot set its own bound.
 */
export const MAX_CONFIG_FILE_BYTES = 256 * 1024;

export interface LoadConfigInput {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Tests' in-memory files; absent: the file on disk, read within MAX_CONFIG_FILE_BYTES. */
  readonly readFile?: (path: string) => Promise<string>;
  /** Base of relative paths given as flags (and of a relative --config). */
  readonly cwd: string;
}

export interface LoadedConfig {
  readonly config: DaemonConfig;
  readonly configPath?: string;
  /** Keys this netattachd does not know, ignored: each is a warn line at start-up and in GetStatus. */
  readonly warnings: readonly ConfigWarning[];
}

/** Resolves `{ help: true }` when --help was given; throws ConfigError listing every problem (and the keys it would ignore). */
export async function loadConfig(input: LoadConfigInput): Promise<LoadedConfig | { help: true }> {
  const flags = parseFlags(input.argv);
  if (flags.help) return { help: true };
  const issues = [...flags.issues];
  let raw: Record<string, unknown> = {};
  let fileUnread = false;
  if (flags.configPath !== undefined) {
    const path = resolve(input.cwd, flags.configPath);
    const file = await readConfigFile(path, input.readFile);
    fileUnread = "issue" in file;
    if ("issue" in file) issues.push(file.issue);
    else raw = resolvePaths(file.raw, dirname(path));
  }
  const kube = raw.kubernetes;
  if (
    input.env.NODE_NAME &&
    (kube === undefined || (typeof kube === "object" && kube !== null && !("nodeName" in kube)))
  ) {
    setPath(raw, "kubernetes.nodeName", input.env.NODE_NAME);
  }
  raw = mergeOverrides(raw, resolvePaths(flags.overrides, input.cwd));
  // An unread file is one problem, not also every key it would have set.
  const result = validateConfig(raw, { partial: fileUnread });
  issues.push(...result.issues);
  const { warnings } = result;
  if (issues.length > 0 || !result.config) throw new ConfigError(issues, { warnings });
  return {
    config: result.config,
    ...(flags.configPath !== undefined ? { configPath: flags.configPath } : {}),
    warnings,
  };
}

async function readConfigFile(
  path: string,
  readFile: ((p: string) => Promise<string>) | undefined,
): Promise<{ raw: Record<string, unknown> } | { issue: string }> {
  let read: BoundedRead;
  try {
    read = readFile
      ? { text: await readFile(path) }
      : await readFileWithin(path, MAX_CONFIG_FILE_BYTES, overConfigBound);
  } catch (err) {
    return { issue: `${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})` };
  }
  if ("problem" in read) return { issue: `${path}: ${read.problem}` };
  const { text } = read;
  const json = path.endsWith(".json");
  // A config nests 3 levels; the bound keeps a hostile or garbled file from overflowing the parser.
  if ((json ? jsonTextDepth(text, MAX_CONFIG_DEPTH) : yamlTextDepth(text, MAX_CONFIG_DEPTH)) > MAX_CONFIG_DEPTH) {
    return { issue: `${path}: nests more than ${MAX_CONFIG_DEPTH} deep` };
  }
  let parsed: unknown;
  if (json) {
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      return { issue: `${path}: not valid JSON: ${(err as Error).message}` };
    }
    const dup = jsonDuplicateKey(text);
    if (dup !== undefined)
      return { issue: `${path}: not valid JSON: key ${quoteInput(dup.key)} appears twice (line ${dup.line})` };
  } else {
    const docs = readYamlDocuments(text);
    if (docs.length > 1) return { issue: `${path}: not valid YAML: holds ${docs.length} documents, expected one` };
    const doc = docs[0];
    if (doc !== undefined && "problem" in doc) return { issue: `${path}: not valid YAML: ${doc.problem}` };
    parsed = doc?.value;
  }
  if (parsed === null || parsed === undefined) return { raw: {} };
  if (typeof parsed !== "object" || Array.isArray(parsed))
    return { issue: `${path}: the top level must be a mapping of keys` };
  return { raw: parsed as Record<string, unknown> };
}

const overConfigBound = (size: number, maxBytes: number): string =>
  `is ${size} bytes, over netattachd's limit for its config file (${maxBytes} bytes)`;

function mergeOverrides(base: Record<string, unknown>, overrides: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    const prev = out[key];
    const bothObjects = [prev, value].every(isJsonObject);
    out[key] = bothObjects ? { ...(prev as object), ...(value as object) } : value;
  }
  return out;
}
