// Shape rules per result family (pkg/types/{020,040,100}). Unknown keys are allowed;
// known keys must have the right type.

import type { ResultFamily } from "./versions.js";
import { MAX_RESULT_INTERFACES } from "./result-bounds.js";
import { ShapeError, cidr, optInt, optIp, optObj, optObjArray, optStr, optStrArray, str, type Obj } from "./shape.js";

function dns(o: Obj): void {
  const d = optObj(o, "dns", "");
  if (!d) return;
  optStrArray(d, "nameservers", "dns");
  optStr(d, "domain", "dns");
  optStrArray(d, "search", "dns");
  optStrArray(d, "options", "dns");
}

// One Go type (types.Route) for every family, so the 1.1 fields are accepted everywhere.
function route(r: Obj, path: string): void {
  cidr(r, "dst", path);
  optIp(r, "gw", path);
  for (const key of ["mtu", "advmss", "priority", "table", "scope"]) optInt(r, key, path);
}

function validate020(o: Obj): void {
  for (const key of ["ip4", "ip6"] as const) {
    const ipc = optObj(o, key, "");
    if (!ipc) continue;
    const fam = cidr(ipc, "ip", key);
    if (`ip${fam}` !== key) throw new ShapeError(`${key}.ip ${JSON.stringify(ipc["ip"])} is an IPv${fam} address`);
    optIp(ipc, "gateway", key);
    for (const [r, path] of optObjArray(ipc, "routes", key)) route(r, path);
  }
  dns(o);
}

function interfaces(o: Obj, family: ResultFamily): number {
  const list = optObjArray(o, "interfaces", "");
  if (list.length > MAX_RESULT_INTERFACES) {
    throw new ShapeError(`${list.length} interfaces, over the ${MAX_RESULT_INTERFACES} a result may have`);
  }
  for (const [intf, path] of list) {
    str(intf, "name", path);
    optStr(intf, "mac", path);
    optStr(intf, "sandbox", path);
    if (family === "100") {
      optInt(intf, "mtu", path, 0);
      optStr(intf, "socketPath", path);
      optStr(intf, "pciID", path);
    }
  }
  return list.length;
}

function validateRich(o: Obj, family: "040" | "100"): void {
  const nIntf = interfaces(o, family);
  for (const [ip, path] of optObjArray(o, "ips", "")) {
    const fam = cidr(ip, "address", path);
    optIp(ip, "gateway", path);
    optInt(ip, "interface", path, 0);
    const idx = ip["interface"];
    if (typeof idx === "number" && idx >= nIntf) {
      throw new ShapeError(`${path}.interface ${idx} is out of range (${nIntf} interfaces)`);
    }
    if (family === "040") {
      const version = ip["version"];
      if (version !== "4" && version !== "6") {
        throw new ShapeError(`${path}.version must be "4" or "6", got ${JSON.stringify(version) ?? "missing"}`);
      }
      if (version !== `${fam}`) throw new ShapeError(`${path}.version "${version}" does not match IPv${fam} address`);
    }
  }
  for (const [r, path] of optObjArray(o, "routes", "")) route(r, path);
  dns(o);
}

/** Throws ShapeError describing the first problem. */
export function validateResultShape(o: Obj, family: ResultFamily): void {
  if (family === "020") validate020(o);
  else validateRich(o, family);
}
