// Who netattachd says it is to the API server, so audit logs, API Priority and Fairness
// debugging and managedFields name it: User-Agent `netattachd/<version>` on every request, and
// field manager `netattachd` on the status PATCH — the name without the version, which is also
// what the API server derives from that User-Agent (managerOrUserAgent), so managedFields keep
// one stable owner across upgrades instead of one per release.
// The version is package.json's: tools/build.mjs defines it in the bundle; from source (tsx,
// tests) it is read from the package.json at the root of the tree.
import { readFileSync } from "node:fs";

declare const __NETATTACH_VERSION__: string | undefined;

export const FIELD_MANAGER = "netattachd";

export function daemonVersion(): string {
  if (typeof __NETATTACH_VERSION__ === "string") return __NETATTACH_VERSION__;
  const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as {
    version?: unknown;
  };
  return typeof pkg.version === "string" ? pkg.version : "unknown";
}

export function userAgent(): string {
  return `${FIELD_MANAGER}/${daemonVersion()}`;
}
