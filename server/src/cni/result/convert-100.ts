// 0.3.x/0.4.0 ↔ 1.x — pkg/types/100 convertFrom04x / convertTo04x.

import { cidrFamily } from "./ip.js";
import { isJsonObject } from "../spec/json-object.js";
import type { Obj } from "./shape.js";

type Mutable = { [key: string]: unknown };

function mapObjects(v: unknown, fn: (o: Obj) => Obj): unknown {
  return Array.isArray(v) ? v.map((e) => (isJsonObject(e) ? fn(e) : e)) : v;
}

function withList(r: Obj, key: string, fn: (o: Obj) => Obj, out: Mutable): void {
  if (r[key] !== undefined) out[key] = mapObjects(r[key], fn);
}

/** 1.0 drops the per-IP `version` field. */
export function from040(r: Obj): Mutable {
  const out: Mutable = { ...r };
  withList(r, "ips", ({ version: _v, ...ip }) => ip, out);
  return out;
}

/** Add `version` from the address family; drop the 1.1 interface fields. Routes keep everything. */
export function to040(r: Obj): Mutable {
  const out: Mutable = { ...r };
  withList(r, "interfaces", ({ mtu: _m, socketPath: _s, pciID: _p, ...intf }) => intf, out);
  withList(
    r,
    "ips",
    ({ version: _v, ...ip }) => {
      const fam = typeof ip["address"] === "string" ? cidrFamily(ip["address"]) : 0;
      return { version: fam === 4 ? "4" : "6", ...ip };
    },
    out,
  );
  return out;
}
