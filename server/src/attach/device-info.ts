// Device-info files (Device Information Specification) a plugin may write where
// runtimeConfig.CNIDeviceInfoFile points; read after ADD, removed after DEL.
import { readFile, rm } from "node:fs/promises";
import type { JsonObject } from "../cni/index.js";
import type { PlannedDelegate } from "./attachment-plan.js";

export function deviceInfoPath(delegate: PlannedDelegate): string | undefined {
  const p = delegate.capabilityArgs["CNIDeviceInfoFile"];
  return typeof p === "string" && p !== "" ? p : undefined;
}

/** The device-info object, or undefined when the plugin wrote none (or something unreadable). */
export async function readDeviceInfo(delegate: PlannedDelegate): Promise<JsonObject | undefined> {
  const path = deviceInfoPath(delegate);
  if (path === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(await readFile(path, "utf8"));
    return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as JsonObject) : undefined;
  } catch {
    return undefined;
  }
}

export async function removeDeviceInfo(delegate: PlannedDelegate): Promise<void> {
  const path = deviceInfoPath(delegate);
  if (path !== undefined) await rm(path, { force: true }).catch(() => undefined);
}
