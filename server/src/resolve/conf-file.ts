// One CNI config file as the sources see it: parsed, or broken with the network it most
// likely defines, so a broken file is reported only to lookups of that network.
import { basename, extname } from "node:path";
import type { JsonObject } from "../cni/index.js";
import { DaemonError } from "../errors/daemon-error.js";
import { configName, isConfList, networkConfigProblem } from "./network-config-check.js";

export type ConfFile =
  | { readonly kind: "valid"; readonly config: JsonObject; readonly name?: string; readonly list: boolean }
  | { readonly kind: "invalid"; readonly problem: string; readonly probableName: string; readonly cause?: unknown };

export function parseConfFile(text: string, path: string): ConfFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return {
      kind: "invalid",
      problem: `is not valid JSON: ${(err as Error).message}`,
      probableName: guessName(text, path),
      cause: err,
    };
  }
  const problem = networkConfigProblem(value);
  if (problem !== undefined) {
    const name = typeof value === "object" && value !== null ? (value as JsonObject).name : undefined;
    const named = typeof name === "string" && name.length <= 253 ? name : undefined;
    return { kind: "invalid", problem, probableName: named ?? guessName(text, path) };
  }
  const config = value as JsonObject;
  return { kind: "valid", config, name: configName(config), list: isConfList(config) || extname(path) === ".conflist" };
}

/** The first `"name": "..."` in the text (a plausible one: at most 253 characters), else the file name without extension. */
function guessName(text: string, path: string): string {
  const m = /"name"\s*:\s*"((?:[^"\\]|\\.){1,253})"/.exec(text);
  return m?.[1] ?? basename(path, extname(path));
}

export function invalidConfigError(path: string, network: string, problem: string, cause?: unknown): DaemonError {
  return new DaemonError(
    "INVALID_NETWORK_CONFIG",
    `network ${JSON.stringify(network)}: CNI config file ${path} ${problem}`,
    { network, source: path, phase: "resolve" },
    cause === undefined ? undefined : { cause },
  );
}
