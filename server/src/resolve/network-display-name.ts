// The name a network is shown and reported under (status, plan, errors).
import type { NetworkDefinition } from "./types.js";

/** `namespace/name` for NetworkAttachmentDefinitions (and namespaced definitions), the config's `name` for conf files. */
export function networkDisplayName(def: NetworkDefinition): string {
  if (def.origin.kind === "network-attachment-definition") return `${def.origin.namespace}/${def.origin.name}`;
  if (def.origin.kind === "inline" && def.namespace !== undefined) return `${def.namespace}/${def.name}`;
  return typeof def.config.name === "string" && def.config.name !== "" ? def.config.name : def.name;
}
