// The pod annotation k8s.v1.cni.cncf.io/network-status (multi-net spec): its wire format.
import type { JsonObject } from "../cni/index.js";

/** DNS as results and the annotation carry it. */
export interface DnsConfig {
  readonly nameservers?: readonly string[];
  readonly domain?: string;
  readonly search?: readonly string[];
  readonly options?: readonly string[];
}

/** Entry of k8s.v1.cni.cncf.io/network-status (multi-net spec). */
export interface NetworkStatusEntry {
  readonly name: string;
  readonly interface?: string;
  readonly ips?: readonly string[];
  readonly mac?: string;
  readonly mtu?: number;
  readonly default?: boolean;
  readonly dns?: DnsConfig;
  readonly gateway?: readonly string[];
  readonly "device-info"?: JsonObject;
}
