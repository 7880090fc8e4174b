// Builders for realistic objects: pods carry what a real pod carries (spec, status,
// managedFields), so trimming in the client has something to trim.
import { randomUUID } from "node:crypto";
import type { KubeObject } from "./types.js";

export interface PodParams {
  readonly namespace: string;
  readonly name: string;
  readonly nodeName: string;
  readonly uid?: string;
  readonly annotations?: Record<string, string>;
  readonly labels?: Record<string, string>;
}

export function makePod(p: PodParams): KubeObject {
  const container = (n: number) => ({
    name: `app-${n}`,
    image: `registry.example/team/app-${n}:1.2.${n}`,
    command: ["/bin/app", "--serve"],
    args: ["--port=8080", "--log-level=info", "--metrics"],
    env: Array.from({ length: 8 }, (_, i) => ({ name: `SETTING_${i}`, value: `value-${i}-${"x".repeat(24)}` })),
    ports: [{ containerPort: 8080, protocol: "TCP" }],
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
    volumeMounts: [
      { name: "data", mountPath: "/data" },
      { name: "kube-api-access", mountPath: "/var/run/secrets/kubernetes.io/serviceaccount", readOnly: true },
    ],
  });
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: p.name,
      namespace: p.namespace,
      uid: p.uid ?? randomUUID(),
      resourceVersion: "",
      labels: { app: p.name.replace(/-\d+$/, ""), ...p.labels },
      annotations: { ...p.annotations },
      ownerReferences: [
        { apiVersion: "apps/v1", kind: "ReplicaSet", name: `${p.name}-rs`, uid: randomUUID(), controller: true },
      ],
      managedFields: [
        {
          manager: "kube-controller-manager",
          operation: "Update",
          apiVersion: "v1",
          fieldsType: "FieldsV1",
          fieldsV1: { "f:metadata": { "f:labels": {}, "f:ownerReferences": {} }, "f:spec": { "f:containers": {} } },
        },
        {
          manager: "kubelet",
          operation: "Update",
          apiVersion: "v1",
          subresource: "status",
          fieldsType: "FieldsV1",
          fieldsV1: { "f:status": { "f:conditions": {}, "f:containerStatuses": {}, "f:podIP": {} } },
        },
      ],
    },
    spec: {
      nodeName: p.nodeName,
      containers: [container(1), container(2)],
      volumes: [
        { name: "data", emptyDir: {} },
        {
          name: "kube-api-access",
          projected: {
            sources: [
              { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
              { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
            ],
          },
        },
      ],
      restartPolicy: "Always",
      serviceAccountName: "default",
      tolerations: [
        { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
      ],
    },
    status: {
      phase: "Pending",
      conditions: [{ type: "PodScheduled", status: "True", lastTransitionTime: new Date(0).toISOString() }],
      qosClass: "Burstable",
    },
  };
}

export interface NadParams {
  readonly namespace: string;
  readonly name: string;
  /** spec.config: a string is stored as is, an object as its JSON; absent = empty spec. */
  readonly config?: string | object;
  readonly annotations?: Record<string, string>;
}

export function makeNad(p: NadParams): KubeObject {
  const config =
    p.config === undefined ? undefined : typeof p.config === "string" ? p.config : JSON.stringify(p.config);
  return {
    apiVersion: "k8s.cni.cncf.io/v1",
    kind: "NetworkAttachmentDefinition",
    metadata: { name: p.name, namespace: p.namespace, uid: "", resourceVersion: "", annotations: { ...p.annotations } },
    spec: config === undefined ? {} : { config },
  };
}
