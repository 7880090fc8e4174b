// k8s.v1.cni.cncf.io/network-status entries, as Multus writes them: plain IPs, `gateway`, one default.
import type { AttachedInterface } from "./contract.js";
import type { NetworkStatusEntry } from "./network-status-entry.js";

export function toNetworkStatus(interfaces: readonly AttachedInterface[]): NetworkStatusEntry[] {
  return interfaces.map((i) => ({
    name: i.network,
    interface: i.ifName,
    ips: i.ips.map((ip) => stripPrefix(ip.address)),
    ...(i.mac !== undefined ? { mac: i.mac } : {}),
    ...(i.mtu !== undefined ? { mtu: i.mtu } : {}),
    default: i.isDefault,
    dns: i.dns ?? {},
    ...(i.gateways.length > 0 ? { gateway: i.gateways } : {}),
    ...(i.deviceInfo !== undefined ? { "device-info": i.deviceInfo } : {}),
  }));
}

function stripPrefix(cidr: string): string {
  const slash = cidr.indexOf("/");
  return slash < 0 ? cidr : cidr.slice(0, slash);
}
