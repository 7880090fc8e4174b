// The network argument of `netattachctl cni`: a conf/conflist file, or a network name
// looked up in the conf dir (conflists first, like libcni and cnitool).
import { resolve } from "node:path";
import { loadNetworkConfigFile, loadNetworkConfigList, type NetworkConfigList } from "../../../server/src/cni/index.js";

const CONF_FILE = /\.(conflist|conf|json)$/;

/** A path (has "/" or a conf extension) is read as a file; anything else is a network name. */
export function isConfFileArgument(target: string): boolean {
  return target.includes("/") || CONF_FILE.test(target);
}

export async function loadNetwork(target: string, confDir: string, cwd: string): Promise<NetworkConfigList> {
  return isConfFileArgument(target)
    ? loadNetworkConfigFile(resolve(cwd, target))
    : loadNetworkConfigList(confDir, target);
}
