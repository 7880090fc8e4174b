// Kernel support for the link kinds delegates create on a parent interface. Probed for real:
// a veth parent and a link of the kind in a throwaway network namespace (`unshare --net`),
// which disappears with the probe; the host's links are never touched.
import { execFile } from "node:child_process";
import type { ConfiguredNetwork } from "./configured-networks.js";
import { pluginTypes } from "./configured-networks.js";
import type { CheckResult } from "./doctor-check.js";

export const LINK_KINDS = ["macvlan", "ipvlan", "vlan"] as const;
export type LinkKind = (typeof LINK_KINDS)[number];
export type KindSupport = "supported" | "not supported" | { readonly unknown: string };

const KIND_ARGS: Record<LinkKind, string> = {
  macvlan: "type macvlan mode bridge",
  ipvlan: "type ipvlan mode l2",
  vlan: "type vlan id 5",
};
/** Module that provides each kind, for the fix. */
const MODULE: Record<LinkKind, string> = { macvlan: "macvlan", ipvlan: "ipvlan", vlan: "8021q" };

export function probeKind(kind: LinkKind): Promise<KindSupport> {
  const script = `ip link add na-p0 type veth peer name na-p1 && ip link add link na-p0 name na-t0 ${KIND_ARGS[kind]}`;
  return new Promise((resolve) => {
    execFile("unshare", ["--net", "--", "sh", "-c", script], { timeout: 5_000 }, (err, _stdout, stderr) => {
      if (err === null) resolve("supported");
      // iproute2's words when the kernel has no such link kind (EOPNOTSUPP from rtnetlink).
      else if (/Unknown device type|Operation not supported/.test(stderr)) resolve("not supported");
      else resolve({ unknown: stderr.trim() || err.message });
    });
  });
}

export async function checkKernel(
  networks: readonly ConfiguredNetwork[],
  isRoot: boolean,
  probe: (k: LinkKind) => Promise<KindSupport> = probeKind,
): Promise<CheckResult> {
  if (!isRoot)
    return {
      check: "kernel",
      status: "skip",
      message: "probing link kinds needs root (a throwaway network namespace)",
      fix: "run doctor as root",
    };
  const users = (kind: LinkKind): string[] =>
    networks.filter((n) => !("problem" in n.config) && pluginTypes(n.config).includes(kind)).map((n) => n.name);
  const lines: string[] = [];
  const missing: LinkKind[] = [];
  for (const kind of LINK_KINDS) {
    const support = await probe(kind);
    const used = users(kind);
    const usedBy = used.length > 0 ? ` (used by ${used.join(", ")})` : " (no network uses it)";
    const verdict = typeof support === "string" ? support : `could not probe: ${support.unknown}`;
    lines.push(`${kind}: ${verdict}${usedBy}`);
    if (support === "not supported" && used.length > 0) missing.push(kind);
  }
  if (missing.length > 0) {
    return {
      check: "kernel",
      status: "fail",
      message: lines.join("\n"),
      fix: `load the module(s) (modprobe ${missing.map((k) => MODULE[k]).join(" ")}) or use a kernel built with them; until then pods selecting ${missing.join("/")} networks fail at ADD`,
    };
  }
  return { check: "kernel", status: "ok", message: lines.join("\n") };
}
