// URL paths of the resources the stand-in serves, and the verb each request means.
import type { ResourceName, Verb } from "./types.js";

export interface Route {
  readonly resource: ResourceName;
  readonly namespace?: string;
  readonly name?: string;
  readonly subresource?: string;
}

const PREFIX: Record<string, ResourceName> = {
  "api/v1|pods": "pods",
  "apis/k8s.cni.cncf.io/v1|network-attachment-definitions": "network-attachment-definitions",
  "apis/events.k8s.io/v1|events": "events",
};

export function parseRoute(pathname: string): Route | undefined {
  const parts = pathname.split("/").filter(Boolean).map(decodeURIComponent);
  const groupLen = parts[0] === "api" ? 2 : parts[0] === "apis" ? 3 : 0;
  if (groupLen === 0 || parts.length <= groupLen) return undefined;
  const group = parts.slice(0, groupLen).join("/");
  let rest = parts.slice(groupLen);
  let namespace: string | undefined;
  if (rest[0] === "namespaces" && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const resource = PREFIX[`${group}|${rest[0]}`];
  if (!resource || rest.length > 3 || (rest.length > 1 && !namespace)) return undefined;
  return { resource, namespace, name: rest[1], subresource: rest[2] };
}

export function verbOf(method: string, route: Route | undefined, query: URLSearchParams): Verb {
  if (!route) return "unknown";
  switch (method) {
    case "GET":
      if (route.name) return "get";
      return query.get("watch") === "true" || query.get("watch") === "1" ? "watch" : "list";
    case "POST":
      return "create";
    case "PUT":
      return "update";
    case "PATCH":
      return "patch";
    case "DELETE":
      return "delete";
    default:
      return "unknown";
  }
}
