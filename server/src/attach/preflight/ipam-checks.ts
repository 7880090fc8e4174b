// IPAM ranges of one pod: addresses a config pins (range bounds, gateways) lie in their subnet,
// two networks' subnets do not overlap (the pod could not tell which interface reaches an
// address in both), a static IP asked for with `ips` lies in host-local's ranges (which would
// refuse it only once the plugin runs) with their prefix length, and a `default-route` gateway is
// of a family its network has addresses in and on its subnet (the kernel refuses a gateway it
// cannot reach). Attaching one network twice, or a network whose interface lives in its own
// routing table (vrf, sbr), is not an overlap. Pure.
import type { DelegateFacts } from "./delegate-facts.js";
import { contextOf, describeDelegate, REFUSED, type Finding } from "./finding.js";
import { ipFamily } from "../../cni/index.js";
import { prefixContains, prefixesOverlap } from "./ip-prefix.js";
import { quoteInput } from "../../errors/bounded-text.js";

export function ipamFindings(all: readonly DelegateFacts[]): Finding[] {
  return [
    ...malformed(all),
    ...outsideSubnet(all),
    ...overlaps(all),
    ...requestedIpsOutside(all),
    ...staticIpsWithoutPrefix(all),
    ...unreachableGateways(all),
  ];
}

/** A key the IPAM plugin cannot decode fails its ADD and every DEL of that config: an orphan no retry releases. */
function malformed(all: readonly DelegateFacts[]): Finding[] {
  return all.flatMap((f) =>
    f.malformed.map((m) => ({
      code: "INVALID_NETWORK_CONFIG" as const,
      message: `${describeDelegate(f)}: ${m.key} ${m.problem}${"value" in m ? `, got ${quoteInput(m.value)}` : ""}; ${REFUSED}`,
      networks: [f.delegate.network],
      context: contextOf(f, m.plugin),
      relaxed: false,
    })),
  );
}

/** static IPAM takes `ips` only as CIDRs (host-local also takes bare addresses). */
function staticIpsWithoutPrefix(all: readonly DelegateFacts[]): Finding[] {
  return all.flatMap((f) => {
    const ips = f.delegate.capabilityArgs["ips"];
    if (!f.ipamTypes.includes("static") || !Array.isArray(ips)) return [];
    const bare = ips.find((ip) => typeof ip === "string" && !ip.includes("/"));
    if (bare === undefined) return [];
    const from = f.delegate.isDefault ? "the runtime's runtimeConfig" : "the network selection";
    return [
      {
        code: f.delegate.isDefault ? ("INVALID_REQUEST" as const) : ("INVALID_ANNOTATION" as const),
        message: `network "${f.delegate.network}" (${f.delegate.ifName}): ips "${String(bare)}" from ${from} has no prefix length, which static IPAM (${f.source}) requires, e.g. "${String(bare)}/24"; ${REFUSED}`,
        networks: [f.delegate.network],
        context: contextOf(f, "static"),
        relaxed: false,
      },
    ];
  });
}

function outsideSubnet(all: readonly DelegateFacts[]): Finding[] {
  return all.flatMap((f) =>
    f.pinned
      .filter((p) => !prefixContains(p.subnet.prefix, p.value))
      .map((p) => ({
        code: "INVALID_NETWORK_CONFIG" as const,
        message: `${describeDelegate(f)}: ${p.key} "${p.value}" is outside its subnet ${p.subnet.key} "${p.subnet.value}"; ${REFUSED}`,
        networks: [f.delegate.network],
        context: contextOf(f, p.plugin),
        relaxed: false,
      })),
  );
}

function overlaps(all: readonly DelegateFacts[]): Finding[] {
  const findings: Finding[] = [];
  all.forEach((a, i) => {
    for (const b of all.slice(i + 1)) {
      if (a.delegate.network === b.delegate.network || a.ownTable || b.ownTable) continue;
      for (const sa of a.subnets) {
        const sb = b.subnets.find((s) => prefixesOverlap(sa.prefix, s.prefix));
        if (sb === undefined) continue;
        findings.push({
          code: "IPAM_CONFLICT",
          message:
            `IPAM ranges overlap: ${describeDelegate(a)} has ${sa.key} "${sa.value}", and ${describeDelegate(b)} has ${sb.key} "${sb.value}"; ` +
            `give the networks disjoint subnets, or attach only one of them to the pod; ${REFUSED}`,
          networks: [a.delegate.network, b.delegate.network],
          context: contextOf(b, sb.plugin),
          relaxed: false,
        });
        return;
      }
    }
  });
  return findings;
}

/** A gateway of a family the network has addresses in, on one of its subnets of that family (known when every IPAM is read). */
function unreachableGateways(all: readonly DelegateFacts[]): Finding[] {
  const findings: Finding[] = [];
  for (const f of all) {
    for (const gw of f.delegate.defaultRoute ?? []) {
      const family = ipFamily(gw);
      const mine = f.subnets.filter((s) => s.prefix.family === family);
      const none = mine.length === 0;
      if (none ? !familyMissing(f, family) : mine.some((s) => prefixContains(s.prefix, gw))) continue;
      const where = (none ? f.subnets : mine).map((s) => `${s.key} "${s.value}"`).join(", ");
      findings.push({
        code: "INVALID_ANNOTATION",
        message: none
          ? `network "${f.delegate.network}" (${f.delegate.ifName}): default-route gateway "${gw}" is IPv${family}, but the network has no IPv${family} range or address to reach it (${where} in ${f.source}); ${REFUSED}`
          : `network "${f.delegate.network}" (${f.delegate.ifName}): default-route gateway "${gw}" is outside the network's subnets (${where} in ${f.source}); ${REFUSED}`,
        networks: [f.delegate.network],
        context: contextOf(f),
        relaxed: false,
      });
    }
  }
  return findings;
}

/** The network surely has no address of `family`: its IPAM is all read, names subnets, none of that family, nor any `ips`. */
function familyMissing(f: DelegateFacts, family: number): boolean {
  if (family === 0 || f.routesUnreadableBy !== undefined || f.subnets.length === 0) return false;
  const ips = f.delegate.capabilityArgs["ips"];
  const asked = Array.isArray(ips) ? ips.filter((ip): ip is string => typeof ip === "string") : [];
  return !asked.some((ip) => ipFamily(ip.split("/")[0]!) === family);
}

/**
 * A requested address outside host-local's ranges, which the plugin refuses only once it runs, or
 * given with another prefix length than its range's: host-local configures the range's and drops
 * the one asked for, so the pod would get another subnet than the one it asked for.
 */
function requestedIpsOutside(all: readonly DelegateFacts[]): Finding[] {
  const findings: Finding[] = [];
  for (const f of all) {
    const ips = f.delegate.capabilityArgs["ips"];
    const ranges = f.subnets.filter((s) => s.plugin === "host-local");
    if (!Array.isArray(ips) || ranges.length === 0) continue;
    // The cluster network gets the runtime's ips; the others a selection's.
    const from = f.delegate.isDefault ? "the runtime's runtimeConfig" : "the network selection";
    const refuse = (ip: string, problem: string): void => {
      findings.push({
        code: f.delegate.isDefault ? "INVALID_REQUEST" : "INVALID_ANNOTATION",
        message: `network "${f.delegate.network}" (${f.delegate.ifName}): ips "${ip}" from ${from} ${problem}; ${REFUSED}`,
        networks: [f.delegate.network],
        context: contextOf(f, "host-local"),
        relaxed: false,
      });
    };
    for (const ip of ips) {
      if (typeof ip !== "string") continue;
      const [address = "", prefix] = ip.split("/");
      const range = ranges.find((s) => prefixContains(s.prefix, address));
      if (range === undefined) {
        const all = ranges.map((s) => `${s.key} "${s.value}"`).join(", ");
        refuse(ip, `is outside the network's host-local ranges (${all} in ${f.source})`);
      } else if (prefix !== undefined && Number(prefix) !== range.prefix.length) {
        refuse(
          ip,
          `has prefix length /${prefix}, but host-local gives its range's /${range.prefix.length} (${range.key} "${range.value}" in ${f.source}): write "${address}/${range.prefix.length}" or "${address}"`,
        );
      }
    }
  }
  return findings;
}
