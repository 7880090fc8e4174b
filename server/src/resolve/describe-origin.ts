// One line naming where a network's config came from, for error messages and `source` fields.
import type { ConfigOrigin } from "./types.js";

export function describeOrigin(origin: ConfigOrigin): string {
  switch (origin.kind) {
    case "conf-file":
      return origin.path;
    case "network-attachment-definition": {
      const nad = `NetworkAttachmentDefinition ${origin.namespace}/${origin.name}`;
      const file = origin.manifestPath !== undefined ? ` (${origin.manifestPath})` : "";
      const conf = origin.configFrom === "conf-file" && origin.confPath !== undefined ? ` -> ${origin.confPath}` : "";
      return `${nad}${file}${conf}`;
    }
    case "inline":
      return origin.description;
  }
}
