// The bridge → tuning → portmap → bandwidth chain (test/fixtures/netconf/chain.conflist) with
// containerd-style capability args, and the assertions that prove each plugin ran on the
// previous one's result. Shared by the chain test and the per-version test.
import { expect } from "vitest";
import type { CniResult, JsonObject, RuntimeConf, RuntimeEvent } from "../../server/src/cni/index.js";
import type { CniCase } from "./cni-case.js";
import { firstIpv4, hostInterfaces, sandboxInterface } from "./cni-result.js";
import { hostLink, hostQdiscs, iptablesSave } from "./host-net.js";
import { nonLoopbackLinks } from "./netns.js";
import { bandwidthIfbName, portmapDnatChain } from "./plugin-names.js";

export const CHAIN_PLUGINS = ["bridge", "tuning", "portmap", "bandwidth"] as const;
export const CHAIN_MAC = "c2:00:00:00:51:07";

/** containerd sends Go structs without JSON tags: capitalised keys (reference §1.7). */
export function containerdCapabilityArgs(hostPort: number): JsonObject {
  return {
    portMappings: [{ HostPort: hostPort, ContainerPort: 8080, Protocol: "tcp", HostIP: "" }],
    bandwidth: { IngressRate: 8_000_000, IngressBurst: 80_000, EgressRate: 16_000_000, EgressBurst: 80_000 },
    mac: CHAIN_MAC,
    // containerd always offers this one; no plugin in the chain declares it
    "io.kubernetes.cri.pod-annotations": { a: "b" },
  };
}

export function chainRuntimeConf(c: CniCase, hostPort: number): RuntimeConf {
  return c.rt({ capabilityArgs: containerdCapabilityArgs(hostPort), args: [["K8S_POD_NAME", "h3-pod"]] });
}

/** Plugin types in exec order for one command, from the runtime's events. */
export function execOrder(events: readonly RuntimeEvent[], command: string): string[] {
  return events.flatMap((e) => (e.type === "exec" && e.command === command ? [e.plugin] : []));
}

function natLines(nat: string, needle: string): string[] {
  return nat.split("\n").filter((l) => l.includes(needle));
}

/** After ADD: every plugin's effect, each built from the result of the ones before it. */
export async function assertChainAdded(c: CniCase, result: CniResult, hostPort: number): Promise<void> {
  expect(execOrder(c.events, "ADD")).toEqual([...CHAIN_PLUGINS]);
  const { ip, cidr } = firstIpv4(result);
  // bridge
  expect((await c.netns.addr("eth0"))?.addr_info.map((a) => `${a.local}/${a.prefixlen}`)).toContain(cidr);
  // tuning: mac from the `mac` capability, sysctl; its change survives portmap and bandwidth into the final result
  expect((await c.netns.link("eth0"))?.address).toBe(CHAIN_MAC);
  expect(sandboxInterface(result)?.mac).toBe(CHAIN_MAC);
  expect((await c.netns.exec("cat", ["/proc/sys/net/ipv4/conf/eth0/arp_filter"])).trim()).toBe("1");
  // portmap: DNAT to the container address it read from prevResult, capitalised capability keys understood
  const chain = portmapDnatChain(c.name, c.containerId);
  expect(natLines(await iptablesSave("nat"), `-A ${chain} `)).toContain(
    `-A ${chain} -p tcp -m tcp --dport ${hostPort} -j DNAT --to-destination ${ip}:8080`,
  );
  // bandwidth: shaping on the host veth named in prevResult; the ifb it adds is in the final result
  const ifb = bandwidthIfbName(c.name, c.containerId);
  const hostVeth = hostInterfaces(result).find((i) => i.name !== c.bridge && i.name !== ifb)?.name ?? "";
  expect((await hostLink(hostVeth))?.master).toBe(c.bridge);
  expect(await hostQdiscs(hostVeth)).toContainEqual(
    expect.objectContaining({ kind: "tbf", options: expect.objectContaining({ rate: 1_000_000 }) }),
  );
  expect(await hostQdiscs(ifb)).toContainEqual(
    expect.objectContaining({ kind: "tbf", options: expect.objectContaining({ rate: 2_000_000 }) }),
  );
  expect(hostInterfaces(result).map((i) => i.name)).toContain(ifb);
}

/** After DEL: reverse order, and every effect gone. */
export async function assertChainRemoved(c: CniCase, result: CniResult): Promise<void> {
  expect(execOrder(c.events, "DEL").slice(0, CHAIN_PLUGINS.length)).toEqual([...CHAIN_PLUGINS].reverse());
  expect(natLines(await iptablesSave("nat"), portmapDnatChain(c.name, c.containerId))).toEqual([]);
  expect(await hostLink(bandwidthIfbName(c.name, c.containerId))).toBeUndefined();
  for (const i of hostInterfaces(result).filter((i) => i.name !== c.bridge))
    expect(await hostLink(i.name)).toBeUndefined();
  expect(await nonLoopbackLinks(c.netns)).toEqual([]);
}
