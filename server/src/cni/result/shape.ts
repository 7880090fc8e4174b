// Tiny structural checks for result JSON. They throw ShapeError with the JSON path so
// the caller can say exactly what is wrong.

import { isJsonObject } from "../spec/json-object.js";
import type { JsonObject } from "../spec/types.js";
import { cidrFamily, ipFamily } from "./ip.js";

export class ShapeError extends Error {
  override readonly name = "ShapeError";
}

export type Obj = JsonObject;

export function describeValue(v: unknown): string {
  if (v === undefined) return "missing";
  const json = JSON.stringify(v);
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}

/** "a.b" path join where the root is "". */
export function at(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

function fail(path: string, expected: string, v: unknown): never {
  throw new ShapeError(`${path} must be ${expected}, got ${describeValue(v)}`);
}

export function obj(v: unknown, path: string): Obj {
  return isJsonObject(v) ? v : fail(path, "an object", v);
}

export function optObj(o: Obj, key: string, path: string): Obj | undefined {
  return o[key] === undefined || o[key] === null ? undefined : obj(o[key], at(path, key));
}

/** Each element of optional array `o[key]` as an object, with its path. */
export function optObjArray(o: Obj, key: string, path: string): Array<[Obj, string]> {
  const v = o[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) fail(at(path, key), "an array", v);
  return (v as unknown[]).map((e, i) => {
    const p = `${at(path, key)}[${i}]`;
    return [obj(e, p), p];
  });
}

export function str(o: Obj, key: string, path: string): string {
  const v = o[key];
  return typeof v === "string" ? v : fail(at(path, key), "a string", v);
}

export function optStr(o: Obj, key: string, path: string): void {
  if (o[key] !== undefined && o[key] !== null) str(o, key, path);
}

export function optInt(o: Obj, key: string, path: string, min = Number.MIN_SAFE_INTEGER): void {
  const v = o[key];
  if (v === undefined || v === null) return;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
    fail(at(path, key), min === 0 ? "a non-negative integer" : "an integer", v);
  }
}

export function optStrArray(o: Obj, key: string, path: string): void {
  const v = o[key];
  if (v === undefined || v === null) return;
  if (!Array.isArray(v) || v.some((e) => typeof e !== "string")) fail(at(path, key), "an array of strings", v);
}

export function cidr(o: Obj, key: string, path: string): 4 | 6 {
  const v = str(o, key, path);
  const fam = cidrFamily(v);
  return fam === 0 ? fail(at(path, key), "an address in CIDR notation", v) : fam;
}

export function optIp(o: Obj, key: string, path: string): void {
  if (o[key] === undefined || o[key] === null || o[key] === "") return;
  const v = str(o, key, path);
  if (ipFamily(v) === 0) fail(at(path, key), "an IP address", v);
}
