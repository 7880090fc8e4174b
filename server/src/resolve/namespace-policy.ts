// namespaceIsolation (Multus): a pod may use networks of its own namespace and of the
// global namespaces only. We apply it to the default-network annotation too.
import { DaemonError } from "../errors/daemon-error.js";
import type { SelectionConfig } from "./types.js";

export interface PolicyPlace {
  /** Annotation or request field the reference came from. */
  readonly source: string;
  /** How the element is named in the message, e.g. `element 2 ("macvlan-conf")`. */
  readonly element: string;
}

export function checkNamespaceAllowed(
  config: Pick<SelectionConfig, "namespaceIsolation" | "globalNamespaces">,
  podNamespace: string,
  target: { readonly namespace: string; readonly name: string },
  place: PolicyPlace,
): void {
  if (
    !config.namespaceIsolation ||
    target.namespace === podNamespace ||
    config.globalNamespaces.includes(target.namespace)
  )
    return;
  const network = `${target.namespace}/${target.name}`;
  const allowed = [podNamespace, ...config.globalNamespaces.filter((ns) => ns !== podNamespace)];
  throw new DaemonError(
    "NAMESPACE_NOT_ALLOWED",
    `${place.source}: ${place.element}: pod in namespace ${JSON.stringify(podNamespace)} may not use network ${network} in namespace ${JSON.stringify(target.namespace)}: ` +
      `namespace isolation allows only ${allowed.join(", ")} (the pod's own namespace and globalNamespaces)`,
    { network, source: place.source, phase: "resolve" },
  );
}
