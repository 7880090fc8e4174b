// A delegate result in 1.1.0 terms (the runtime's validated reader), with empty strings read as absent.
import { toResult100, type CniResult, type Interface100, type IPConfig100, type Route100 } from "../cni/index.js";
import type { DnsConfig } from "./network-status-entry.js";

export interface ResultView {
  readonly interfaces: readonly Interface100[];
  readonly ips: readonly IPConfig100[];
  readonly routes: readonly Route100[];
  readonly dns?: DnsConfig;
}

export function viewResult(result: CniResult): ResultView {
  const r = toResult100(result);
  return {
    interfaces: (r.interfaces ?? []).map(({ mac, sandbox, ...rest }) => ({ ...rest, ...present({ mac, sandbox }) })),
    ips: (r.ips ?? []).map(({ gateway, ...rest }) => ({ ...rest, ...present({ gateway }) })),
    routes: (r.routes ?? []).map(({ gw, ...rest }) => ({ ...rest, ...present({ gw }) })),
    ...(r.dns !== undefined && Object.values(r.dns).some((v) => v !== "" && !(Array.isArray(v) && v.length === 0))
      ? { dns: present(r.dns) }
      : {}),
  };
}

export function isDefaultDst(dst: string): boolean {
  return dst === "0.0.0.0/0" || dst === "::/0";
}

/** `o` without its empty (undefined, "", []) fields. */
function present<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(o).filter(([, v]) => v !== undefined && v !== "" && !(Array.isArray(v) && v.length === 0)),
  ) as Partial<T>;
}
