// A CRI RuntimeService client over containerd's unix socket, generated from
// proto/cri (a field-exact subset of k8s.io/cri-api runtime.v1).
import { createChannel, createClient, type Channel } from "nice-grpc";
import { RuntimeServiceDefinition, type RuntimeServiceClient } from "../../../proto/gen/runtime/v1/api.js";

export type CriClient = RuntimeServiceClient;

export interface CriConnection {
  readonly client: CriClient;
  close(): void;
}

export function createCriConnection(socketPath: string): CriConnection {
  const channel: Channel = createChannel(`unix://${socketPath}`);
  return { client: createClient(RuntimeServiceDefinition, channel), close: () => channel.close() };
}
