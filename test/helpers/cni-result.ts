// Read-only typed view of a CNI result (0.3.0 and later shape) for assertions: the result as the
// plugin printed it (no conversion, so a test sees what that version carries), typed with the
// runtime's own result types.
import type { CniResult, Interface100, IPConfig100, Route100 } from "../../server/src/cni/index.js";

export type ResultInterface = Interface100;
export type ResultIp = IPConfig100;
export type ResultRoute = Route100;
export interface ResultView {
  readonly cniVersion: string;
  readonly interfaces: readonly ResultInterface[];
  readonly ips: readonly ResultIp[];
  readonly routes: readonly ResultRoute[];
}

export function viewResult(result: CniResult): ResultView {
  const r = result as unknown as Partial<ResultView>;
  return { cniVersion: result.cniVersion, interfaces: r.interfaces ?? [], ips: r.ips ?? [], routes: r.routes ?? [] };
}

/** The interface named `ifName` inside the sandbox. */
export function sandboxInterface(result: CniResult, ifName = "eth0"): ResultInterface | undefined {
  return viewResult(result).interfaces.find((i) => i.name === ifName && i.sandbox !== undefined && i.sandbox !== "");
}

/** Host-side interfaces (no sandbox), e.g. the bridge and the host veth end. */
export function hostInterfaces(result: CniResult): ResultInterface[] {
  return viewResult(result).interfaces.filter((i) => i.sandbox === undefined || i.sandbox === "");
}

/** "a.b.c.d/len" of the first IPv4 address, and the bare IP. */
export function firstIpv4(result: CniResult): { cidr: string; ip: string; gateway?: string } {
  const ip = viewResult(result).ips.find((i) => i.address.includes("."));
  if (ip === undefined) throw new Error(`result has no IPv4 address: ${JSON.stringify(result)}`);
  return {
    cidr: ip.address,
    ip: ip.address.split("/")[0] ?? "",
    ...(ip.gateway !== undefined ? { gateway: ip.gateway } : {}),
  };
}
