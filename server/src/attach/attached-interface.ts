// What one delegate attached, taken from its result's first sandbox interface (multi-net spec 4.1.2).
import { ipFamily, type CniResult, type JsonObject } from "../cni/index.js";
import type { PlannedDelegate } from "./attachment-plan.js";
import type { AttachedInterface } from "./contract.js";
import { canonicalHardwareAddress } from "../resolve/index.js";
import { isDefaultDst, viewResult, type ResultView } from "./result-view.js";

/** Index of the interface this delegate is about: the sandbox one named ifName, else the first sandbox one. */
export function primaryInterfaceIndex(view: ResultView, ifName: string): number {
  const named = view.interfaces.findIndex((i) => i.sandbox !== undefined && i.name === ifName);
  if (named >= 0) return named;
  return view.interfaces.findIndex((i) => i.sandbox !== undefined);
}

/**
 * The default gateways a result's plugin installed: a default route's gw, or, for a default route
 * with none (host-local's `routes: [{"dst": "0.0.0.0/0"}]`), the gateway of the result's address of
 * that family, which is what the plugins' ipam.ConfigureIface routes through.
 */
export function resultGateways(view: ResultView): string[] {
  return view.routes
    .filter((r) => isDefaultDst(r.dst))
    .flatMap((r) => {
      const family = r.dst === "::/0" ? 6 : 4;
      const gw = r.gw ?? view.ips.find((ip) => ip.gateway !== undefined && ipFamily(ip.gateway) === family)?.gateway;
      return gw !== undefined ? [gw] : [];
    });
}

export function buildAttachedInterface(
  delegate: PlannedDelegate,
  result: CniResult,
  extra: { gateways?: readonly string[]; deviceInfo?: JsonObject } = {},
): AttachedInterface {
  const view = viewResult(result);
  const idx = primaryInterfaceIndex(view, delegate.ifName);
  const iface = idx >= 0 ? view.interfaces[idx] : undefined;
  const ips = view.ips.filter((ip) => idx < 0 || ip.interface === undefined || ip.interface === idx);
  return {
    network: delegate.network,
    ifName: iface?.name ?? delegate.ifName,
    ips: ips.map((ip) => ({ address: ip.address, ...(ip.gateway !== undefined ? { gateway: ip.gateway } : {}) })),
    // As the kernel writes it: tuning reports the mac it was given in whatever notation.
    ...(iface?.mac !== undefined ? { mac: canonicalHardwareAddress(iface.mac) ?? iface.mac } : {}),
    ...(iface?.mtu !== undefined ? { mtu: iface.mtu } : {}),
    isDefault: delegate.isDefault,
    ...(view.dns !== undefined ? { dns: view.dns } : {}),
    gateways: extra.gateways ?? resultGateways(view),
    ...(extra.deviceInfo !== undefined ? { deviceInfo: extra.deviceInfo } : {}),
    result,
  };
}
