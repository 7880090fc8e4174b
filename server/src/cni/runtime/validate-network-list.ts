// libcni ValidateNetworkList: every plugin of a list, and the IPAM plugin each delegates to,
// exists and can run at the version it would be given — decided by VERSION alone, so a
// caller can refuse a list before any plugin is run with ADD.
import type { JsonObject, NetworkConfigList } from "../spec/types.js";
import type { InvokeOptions } from "../invoke/types.js";
import type { ValidatedPlugin } from "./types.js";
import { CniError, CniErrorCode } from "../spec/errors.js";
import { resolvePlugins, type RuntimeContext } from "./runtime-context.js";
import { src, withContext } from "./error-context.js";

export async function validateNetworkList(
  ctx: RuntimeContext,
  list: NetworkConfigList,
  opts?: InvokeOptions,
): Promise<ValidatedPlugin[]> {
  const plugins = await resolvePlugins(ctx, list, opts);
  const out: ValidatedPlugin[] = [];
  for (const p of plugins) {
    const ipamType = ipamTypeOf(p.plugin);
    out.push({ type: p.plugin.type, path: p.path, version: p.version });
    if (ipamType !== undefined) out.push(await validateIpam(ctx, list, p.plugin.type, ipamType, p.version, opts));
  }
  return out;
}

/** The IPAM plugin is run by its main plugin with the same stdin: it must support that version exactly. */
async function validateIpam(
  ctx: RuntimeContext,
  list: NetworkConfigList,
  mainType: string,
  ipamType: string,
  version: string,
  opts: InvokeOptions | undefined,
): Promise<ValidatedPlugin> {
  try {
    const path = await ctx.exec.findInPath(ipamType, ctx.binDirs);
    const outcome = ctx.probe === undefined ? undefined : await ctx.probe.probe(path, ipamType, opts);
    if (outcome !== undefined && outcome.ok && !outcome.info.supportedVersions.includes(version)) {
      throw new CniError({
        kind: "incompatible-version",
        code: CniErrorCode.IncompatibleVersion,
        msg: `IPAM plugin "${ipamType}" of plugin "${mainType}" supports CNI versions [${outcome.info.supportedVersions.join(", ")}], not ${version}, the version "${mainType}" would run at`,
        ...src(list),
      });
    }
    return { type: ipamType, path, version };
  } catch (err) {
    throw withContext(err, list, ipamType);
  }
}

function ipamTypeOf(plugin: JsonObject): string | undefined {
  const ipam = plugin["ipam"];
  if (ipam === null || typeof ipam !== "object" || Array.isArray(ipam)) return undefined;
  const type = (ipam as JsonObject)["type"];
  return typeof type === "string" && type !== "" ? type : undefined;
}
