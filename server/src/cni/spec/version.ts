// CNI spec versions: config version selection (libcni rules), feature gates, and
// negotiation of the version a plugin is run at.

import { CniError, CniErrorCode } from "./errors.js";

export const ALL_VERSIONS: readonly string[] = ["0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"];
export const CURRENT_VERSION = "1.1.0";

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

function parts(v: string): [number, number, number] | undefined {
  const m = SEMVER.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

function invalid(msg: string, details?: string, source?: string): CniError {
  return new CniError({
    kind: "invalid-config",
    code: CniErrorCode.InvalidNetworkConfig,
    msg,
    ...(details !== undefined ? { details } : {}),
    ...(source !== undefined ? { source } : {}),
  });
}

function mustParse(v: string): [number, number, number] {
  const p = parts(v);
  if (!p) throw invalid(`invalid CNI version "${v}"`, "expected MAJOR.MINOR.PATCH");
  return p;
}

/** True for a plain numeric MAJOR.MINOR.PATCH string. */
export function isSemver(v: unknown): v is string {
  return typeof v === "string" && parts(v) !== undefined;
}

/** Numeric comparison; negative when a < b. Throws code 7 for non-semver input. */
export function compareVersions(a: string, b: string): number {
  const pa = mustParse(a);
  const pb = mustParse(b);
  for (let i = 0; i < 3; i++) {
    const d = pa[i]! - pb[i]!;
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

export function isKnownVersion(v: unknown): v is string {
  return typeof v === "string" && ALL_VERSIONS.includes(v);
}

function atLeast(v: string, min: string): boolean {
  return isSemver(v) && compareVersions(v, min) >= 0;
}

/** The version that introduced each command newer than ADD and DEL. */
export const COMMAND_INTRODUCED_IN = { CHECK: "0.4.0", GC: "1.1.0", STATUS: "1.1.0" } as const;

/** The version `command` needs, or undefined when every version has it (ADD, DEL, VERSION). */
export function minVersionFor(command: string): string | undefined {
  return Object.hasOwn(COMMAND_INTRODUCED_IN, command)
    ? COMMAND_INTRODUCED_IN[command as keyof typeof COMMAND_INTRODUCED_IN]
    : undefined;
}

export const supportsCheck = (v: string): boolean => atLeast(v, COMMAND_INTRODUCED_IN.CHECK);
export const supportsGcAndStatus = (v: string): boolean => atLeast(v, COMMAND_INTRODUCED_IN.GC);
/** DEL carries prevResult from 0.4.0. */
export const sendsPrevResultOnDel = (v: string): boolean => atLeast(v, "0.4.0");
/** Chaining (prevResult, rich result) exists from 0.3.0. */
export const supportsChaining = (v: string): boolean => atLeast(v, "0.3.0");

/**
 * The list's version per libcni NetworkConfFromBytes: max of cniVersion ∪ cniVersions,
 * ignoring entries newer than CURRENT_VERSION. Without cniVersions, cniVersion as is.
 */
export function selectConfigVersion(cniVersion: unknown, cniVersions: unknown, source?: string): string {
  if (cniVersion !== undefined && typeof cniVersion !== "string") {
    throw invalid(`invalid type for cniVersion: ${typeName(cniVersion)}`, source ? `in ${source}` : undefined, source);
  }
  const base = cniVersion ?? "";
  if (cniVersions === undefined) return base === "" ? "0.1.0" : base;
  if (!Array.isArray(cniVersions)) {
    throw invalid(
      `invalid type for cniVersions: ${typeName(cniVersions)}`,
      source ? `in ${source}` : undefined,
      source,
    );
  }
  const candidates: string[] = [];
  cniVersions.forEach((v: unknown, i) => {
    if (typeof v !== "string") {
      throw invalid(
        `invalid type for cniVersions index ${i}: ${typeName(v)}`,
        source ? `in ${source}` : undefined,
        source,
      );
    }
    if (!isSemver(v))
      throw invalid(`invalid cniVersions entry "${v}" at index ${i}`, source ? `in ${source}` : undefined, source);
    if (compareVersions(v, CURRENT_VERSION) <= 0) candidates.push(v);
  });
  if (base !== "") {
    if (!isSemver(base)) throw invalid(`invalid cniVersion "${base}"`, source ? `in ${source}` : undefined, source);
    if (compareVersions(base, CURRENT_VERSION) <= 0) candidates.push(base);
  }
  if (candidates.length === 0) return base === "" ? "0.1.0" : base;
  return candidates.reduce((max, v) => (compareVersions(v, max) > 0 ? v : max));
}

/** Compatibility family: configs are compatible within one (spec: within a major; 0.x split at chaining). */
function family(v: string): string | undefined {
  const p = parts(v);
  if (!p) return undefined;
  if (p[0] > 0) return `${p[0]}`;
  return p[1] >= 3 ? "0.3" : "0.1";
}

/**
 * The version to run a plugin at: `selected` if it supports it, else the highest version
 * it supports in the same family that is ≤ selected; undefined when there is none.
 */
export function negotiatePluginVersion(selected: string, supported: readonly string[]): string | undefined {
  if (supported.includes(selected)) return selected;
  const fam = family(selected);
  if (fam === undefined) return undefined;
  let best: string | undefined;
  for (const v of supported) {
    if (family(v) !== fam || compareVersions(v, selected) > 0) continue;
    if (best === undefined || compareVersions(v, best) > 0) best = v;
  }
  return best;
}

function typeName(v: unknown): string {
  if (v === null) return "null";
  return Array.isArray(v) ? "array" : typeof v;
}
