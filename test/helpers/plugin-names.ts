// Names the reference plugins derive for their host-side objects (plugins pkg/utils
// MustFormatHashWithPrefix: prefix + hex(sha512(network name + container id)), truncated).
import { createHash } from "node:crypto";

function hashName(length: number, prefix: string, toHash: string): string {
  return (prefix + createHash("sha512").update(toHash).digest("hex")).slice(0, length);
}

/** bandwidth's ifb device for egress shaping. */
export function bandwidthIfbName(network: string, containerId: string): string {
  return hashName(15, "bwp", network + containerId);
}

/** portmap's per-container DNAT chain in the nat table. */
export function portmapDnatChain(network: string, containerId: string): string {
  return hashName(28, "CNI-DN-", network + containerId);
}
