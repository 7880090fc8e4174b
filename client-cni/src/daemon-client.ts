// The generated nice-grpc client for netattachd, over its unix socket. Error details
// (google.rpc.ErrorInfo) are decoded by middleware so the exact CNI code survives.
import { createChannel, createClientFactory, type Channel } from "nice-grpc";
import { deadlineMiddleware, type DeadlineOptions } from "nice-grpc-client-middleware-deadline";
import { errorDetailsClientMiddleware } from "nice-grpc-error-details";
import { AttachmentServiceDefinition, type AttachmentServiceClient } from "../../proto/gen/netattach/v1/attachment_service.js";

export type DaemonClient = AttachmentServiceClient<DeadlineOptions>;

export interface DaemonConnection {
  readonly client: DaemonClient;
  close(): void;
}

export function createDaemonConnection(socketPath: string): DaemonConnection {
  const channel: Channel = createChannel(`unix://${socketPath}`, undefined, {
    // While ADD waits for a starting daemon, reconnect quickly instead of grpc's 1 s..120 s backoff.
    "grpc.initial_reconnect_backoff_ms": 50,
    "grpc.max_reconnect_backoff_ms": 500,
    "grpc.enable_retries": 0,
  });
  const client = createClientFactory().use(errorDetailsClientMiddleware).use(deadlineMiddleware).create(AttachmentServiceDefinition, channel);
  return { client, close: () => channel.close() };
}
