// The generated client for netattachd (AttachmentServiceDefinition from proto/gen: method
// paths and codecs), over Connect on the daemon's unix socket. Errors are nice-grpc's
// ClientError / RichClientError (with the google.rpc.ErrorInfo decoded), so the exact CNI
// code survives exactly as it would through a gRPC client.
import { AttachmentServiceDefinition } from "../../proto/gen/netattach/v1/attachment_service.js";
import { createConnectTransport } from "./transport/connect-transport.js";
import { createGeneratedClient, type GeneratedClient } from "./transport/generated-client.js";
import type { HttpPost } from "./transport/http-post.js";

export type DaemonClient = GeneratedClient<typeof AttachmentServiceDefinition>;

/** `post`: how HTTP reaches the socket (Bun's fetch in the binary, node:http elsewhere). */
export function createDaemonClient(socketPath: string, post: HttpPost): DaemonClient {
  return createGeneratedClient(AttachmentServiceDefinition, createConnectTransport(socketPath, post));
}
