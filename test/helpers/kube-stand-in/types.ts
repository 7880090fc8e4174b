// Shapes the stand-in stores and serves: plain JSON objects as the API server returns them.

export type ResourceName = "pods" | "network-attachment-definitions" | "events";

export interface ObjectMeta {
  name: string;
  namespace: string;
  uid: string;
  resourceVersion: string;
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

export type EventType = "ADDED" | "MODIFIED" | "DELETED";

/** One change in the store's history, the unit a watch replays. */
export interface StoreEvent {
  readonly rv: number;
  readonly resource: ResourceName;
  readonly type: EventType;
  readonly object: KubeObject;
  /** State before a MODIFIED (a filtered watch turns matching changes into ADDED/DELETED). */
  readonly previous?: KubeObject;
}

/** Kubernetes verb of a request, as an audit log would name it. */
export type Verb = "get" | "list" | "watch" | "create" | "update" | "patch" | "delete" | "unknown";

export interface RequestRecord {
  readonly method: string;
  readonly path: string;
  readonly verb: Verb;
  readonly resource?: ResourceName;
  readonly namespace?: string;
  readonly name?: string;
  readonly subresource?: string;
  readonly query: Readonly<Record<string, string>>;
  readonly contentType?: string;
  readonly userAgent?: string;
  /** Request body, kept for writes. */
  readonly body?: string;
  /** Response status (watch: 200 when the stream opened). */
  status: number;
}

export const KINDS: Record<ResourceName, { apiVersion: string; kind: string; listKind: string }> = {
  pods: { apiVersion: "v1", kind: "Pod", listKind: "PodList" },
  "network-attachment-definitions": {
    apiVersion: "k8s.cni.cncf.io/v1",
    kind: "NetworkAttachmentDefinition",
    listKind: "NetworkAttachmentDefinitionList",
  },
  events: { apiVersion: "events.k8s.io/v1", kind: "Event", listKind: "EventList" },
};
