// A result's interfaces name the netns they live in (`sandbox`). When plugins enter a pinned
// namespace (RuntimeConf.netnsHandle), they name the pin; what is kept and shown names the path.
// An interface in any other namespace is not the pod's, and a result claiming one is refused.
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

/**
 * The first interface `result` places in a namespace other than `netns` (one without a sandbox
 * is on the host: bridge's bridge and veth end are), as `name in sandbox`; undefined when none does.
 */
export function foreignSandbox(result: CniResult, netns: string): string | undefined {
  const interfaces = result["interfaces"];
  if (!Array.isArray(interfaces)) return undefined;
  for (const i of interfaces as Array<{ name?: unknown; sandbox?: unknown }>) {
    if (typeof i.sandbox === "string" && i.sandbox !== "" && i.sandbox !== netns)
      return `${JSON.stringify(i.name)} in ${JSON.stringify(i.sandbox)}`;
  }
  return undefined;
}

function isSandboxOf(intf: unknown, path: string): boolean {
  return typeof intf === "object" && intf !== null && (intf as { sandbox?: unknown }).sandbox === path;
}
