// Known bugs of the installed reference plugins. Tests expect them exactly (and say so
// loudly) instead of hiding them, and expect the fixed behaviour on newer plugins.
import { CNI_BIN_DIRS } from "./cni-bin.js";
import { runCmd, tryCmd } from "./run-cmd.js";

export interface CheckQuirk {
  readonly plugin: string;
  readonly msg: RegExp;
  readonly why: string;
}

/** "1.1.1+ds1-3+b5" → [1, 1]; undefined without dpkg or the package. */
async function debianPluginsVersion(): Promise<[number, number] | undefined> {
  try {
    const { stdout } = await runCmd("dpkg-query", ["-W", "-f", "${Version}", "containernetworking-plugins"]);
    const m = /^(?:\d+:)?(\d+)\.(\d+)/.exec(stdout.trim());
    return m ? [Number(m[1]), Number(m[2])] : undefined;
  } catch {
    return undefined;
  }
}

/** The Debian plugins (< 1.3.0) are the ones in use. */
let oldPlugins: Promise<string | undefined> | undefined;
function oldDebianPlugins(): Promise<string | undefined> {
  oldPlugins ??= (async () => {
    const version = await debianPluginsVersion();
    const old = version !== undefined && (version[0] < 1 || (version[0] === 1 && version[1] < 3));
    return old && CNI_BIN_DIRS[0] === "/usr/lib/cni" ? version.join(".") : undefined;
  })();
  return oldPlugins;
}

function warn(why: string, expect: string): void {
  console.warn(`\n!! KNOWN PLUGIN BUG: ${why}; ${expect}\n`);
}

let portmapQuirk: Promise<CheckQuirk | undefined> | undefined;
let sbrQuirk: Promise<CheckQuirk | undefined> | undefined;

/**
 * portmap < 1.3.0 CHECKs the DNAT chain in ip6tables too, even for an IPv4-only container,
 * so CHECK fails whenever ip6tables works (fixed upstream by fb5d195f, "Only check ipv6 when
 * an IPv6 is configured", in plugins v1.3.0). Debian 12 ships 1.1.1.
 */
export function portmapCheckQuirk(): Promise<CheckQuirk | undefined> {
  portmapQuirk ??= (async () => {
    const version = await oldDebianPlugins();
    const ip6tables = await tryCmd("ip6tables", ["-t", "nat", "-S", "PREROUTING"]);
    if (version === undefined || !ip6tables) return undefined;
    const why = `portmap ${version} checks ip6tables for an IPv4-only container (fixed in plugins v1.3.0, fb5d195f)`;
    warn(why, "CHECK is expected to fail with that error.");
    return {
      plugin: "portmap",
      msg: /^could not check ipv6 dnat: chain CNI-DN-[0-9a-f]+ not found in iptables table nat$/,
      why,
    };
  })();
  return portmapQuirk;
}

/**
 * sbr < 1.3.0 fails DEL when the interface is already gone, so a second DEL errors
 * (fixed upstream by 7e918412, "[sbr]: Ignore LinkNotFoundError during cmdDel", v1.3.0).
 */
export function sbrSecondDelQuirk(): Promise<CheckQuirk | undefined> {
  sbrQuirk ??= (async () => {
    const version = await oldDebianPlugins();
    if (version === undefined) return undefined;
    const why = `sbr ${version} errors on DEL when the interface is gone (fixed in plugins v1.3.0, 7e918412)`;
    warn(why, "the second DEL is expected to fail with that error.");
    return { plugin: "sbr", msg: /^Failed to get link eth0: Link not found$/, why };
  })();
  return sbrQuirk;
}
