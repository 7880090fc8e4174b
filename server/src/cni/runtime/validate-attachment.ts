// Identifier checks before anything runs (libcni addNetwork). They also keep cache file
// names inside the cache dir, so DEL and CHECK run them too.
import type { NetworkConfigList, RuntimeConf } from "../spec/types.js";
import { validateContainerId, validateInterfaceName, validateNetworkName } from "../spec/validate.js";
import { withContext } from "./error-context.js";

export function validateAttachment(list: NetworkConfigList, rt: RuntimeConf, command: string): void {
  try {
    validateNetworkName(list.name, list.source);
    validateContainerId(rt.containerId);
    validateInterfaceName(rt.ifName);
  } catch (err) {
    throw withContext(err, list, undefined, command);
  }
}
