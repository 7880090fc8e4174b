// The leak guard's rules (test/helpers/host-leftovers.ts): what counts as left behind by a run.
import { describe, expect, it } from "vitest";
import { leftovers, type HostKind, type HostState } from "../helpers/host-leftovers.js";

function state(e: Partial<Record<HostKind, string[]>> = {}): HostState {
  const set = (k: HostKind): Set<string> => new Set(e[k] ?? []);
  return {
    "temp entry": set("temp entry"),
    netns: set("netns"),
    mount: set("mount"),
    cgroup: set("cgroup"),
    "host link": set("host link"),
    route: set("route"),
    "policy rule": set("policy rule"),
    iptables: set("iptables"),
    "libcni cache file": set("libcni cache file"),
    process: set("process"),
  };
}

const NO_CACHES = { tempCaches: [] };

describe("host leftovers", () => {
  it("names every new entry with its kind, and nothing that was there before", () => {
    const before = state({ "temp entry": ["/tmp/run/old"], netns: ["kept"], process: ["1 /sbin/init"] });
    const after = state({
      "temp entry": ["/tmp/run/old", "/tmp/run/na-chaos-x1/ipam/lock"],
      netns: ["kept", "ns-abc"],
      mount: ["/run/netns/ns-abc"],
      cgroup: ["/sys/fs/cgroup/memory/netattach-cd-a1b2c3"],
      "host link": ["vethab12"],
      route: ["10.1.0.5 dev vethab12 scope host"],
      "policy rule": ["100: from 10.1.0.5 lookup 100"],
      process: ["1 /sbin/init", "4242 /usr/lib/cni/bridge"],
    });
    expect(leftovers(before, after, NO_CACHES)).toEqual([
      "temp entry /tmp/run/na-chaos-x1/ipam/lock",
      "netns ns-abc",
      "mount /run/netns/ns-abc",
      "cgroup /sys/fs/cgroup/memory/netattach-cd-a1b2c3",
      "host link vethab12",
      "route 10.1.0.5 dev vethab12 scope host",
      "policy rule 100: from 10.1.0.5 lookup 100",
      "process 4242 /usr/lib/cni/bridge",
    ]);
  });

  it("allows what is in the caches it is given, and only that", () => {
    const after = state({
      "temp entry": ["/tmp/run/tsx-0/a1.mjs", "/tmp/run/tsx-0", "/tmp/run/tsx-01", "/tmp/run/na-x/y.tmp"],
    });
    expect(leftovers(state(), after, { tempCaches: ["/tmp/run/tsx-0"] })).toEqual([
      "temp entry /tmp/run/tsx-01",
      "temp entry /tmp/run/na-x/y.tmp",
    ]);
  });

  it("allows the plugins' shared iptables chains and rules, not a container's", () => {
    const shared = [
      "ipv4 nat :CNI-HOSTPORT-DNAT -",
      "ipv4 nat -A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT",
      "ipv4 nat -A CNI-HOSTPORT-MASQ -m mark --mark 0x2000/0x2000 -j MASQUERADE",
      "ipv4 filter :CNI-FORWARD -",
      '-A FORWARD -m comment --comment "CNI firewall plugin rules" -j CNI-FORWARD'.replace(/^/, "ipv4 filter "),
    ];
    const perContainer = [
      "ipv4 nat :CNI-DN-1a2b3c -",
      "ipv4 nat -A CNI-HOSTPORT-DNAT -p tcp -m multiport --dports 8080 -j CNI-DN-1a2b3c",
      "ipv4 nat -A CNI-DN-1a2b3c -p tcp --dport 8080 -j DNAT --to-destination 10.1.0.5:80",
      "ipv4 filter -A CNI-FORWARD -d 10.1.0.5/32 -j ACCEPT",
      "ipv4 nat -A POSTROUTING -s 10.1.0.5/32 -j CNI-77aa",
    ];
    const left = leftovers(state(), state({ iptables: [...shared, ...perContainer] }), NO_CACHES);
    expect(left).toEqual(perContainer.map((l) => `iptables ${l}`));
  });

  it("allows what a fresh machine's first run adds by itself: built-in chains at ACCEPT and iproute2's netns dir mount", () => {
    const fresh = ["ipv4 filter :INPUT ACCEPT", "ipv4 nat :POSTROUTING ACCEPT", "ipv6 nat :PREROUTING ACCEPT"];
    const changed = ["ipv4 filter :FORWARD DROP", "ipv4 filter :INPUTX ACCEPT"];
    const after = state({
      iptables: [...fresh, ...changed],
      mount: ["/run/netns", "/var/run/netns", "/run/netns/ns-abc", "/run/netns2"],
    });
    expect(leftovers(state(), after, NO_CACHES)).toEqual([
      "mount /run/netns/ns-abc",
      "mount /run/netns2",
      ...changed.map((l) => `iptables ${l}`),
    ]);
  });

  it("takes a built-in chain at ACCEPT in a table the host already had for a policy the run changed", () => {
    const before = state({ iptables: ["ipv4 filter :FORWARD DROP", "ipv4 filter :INPUT ACCEPT"] });
    const after = state({
      iptables: ["ipv4 filter :FORWARD ACCEPT", "ipv4 filter :INPUT ACCEPT", "ipv4 nat :INPUT ACCEPT"],
    });
    expect(leftovers(before, after, NO_CACHES)).toEqual(["iptables ipv4 filter :FORWARD ACCEPT"]);
  });

  it("allows host-local's bookkeeping in libcni's dir, not a cached result or a reservation", () => {
    const after = state({
      "libcni cache file": [
        "networks/blue/lock",
        "networks/blue/last_reserved_ip.0",
        "networks/blue/10.1.0.5",
        "results/netattach-abc-eth0",
      ],
    });
    expect(leftovers(state(), after, NO_CACHES)).toEqual([
      "libcni cache file networks/blue/10.1.0.5",
      "libcni cache file results/netattach-abc-eth0",
    ]);
  });
});
