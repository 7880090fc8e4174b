// Fields of the child logger bound to each call (rpc, container, pod, network).
import type { Logger } from "pino";

export interface CallFields {
  readonly rpc: string;
  readonly containerId?: string;
  readonly podNamespace?: string;
  readonly podName?: string;
  readonly network?: string;
}

export function callLogger(root: Logger, fields: CallFields): Logger {
  const bound = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined && v !== ""));
  return root.child(bound);
}
