// A result's interfaces name the netns they live in (`sandbox`). When plugins enter a pinned
// namespace (RuntimeConf.netnsHandle), they name the pin; what is kept and shown names the path.
import type { CniResult, JsonObject } from "../spec/types.js";

/** `result` with each interface whose sandbox is `from` naming `to` instead; `result` itself when none does. */
export function withSandbox(result: CniResult, from: string, to: string): CniResult {
  const interfaces = result["interfaces"];
  if (!Array.isArray(interfaces) || !interfaces.some((i) => isSandboxOf(i, from))) return result;
  return {
    ...result,
    interfaces: interfaces.map((i) => (isSandboxOf(i, from) ? { ...(i as JsonObject), sandbox: to } : i)),
  };
}

function isSandboxOf(intf: unknown, path: string): boolean {
  return typeof intf === "object" && intf !== null && (intf as { sandbox?: unknown }).sandbox === path;
}
