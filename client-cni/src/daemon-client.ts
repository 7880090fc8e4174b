// The generated client for netattachd (AttachmentServiceDefinition from proto/gen), over
// the daemon's unix socket through the lean unary channel. Errors are nice-grpc's
// ClientError / RichClientError (with the google.rpc.ErrorInfo decoded), so the exact
// CNI code survives exactly as it did through grpc-js + errorDetailsClientMiddleware.
import { AttachmentServiceDefinition } from "../../proto/gen/netattach/v1/attachment_service.js";
import type { OpenSocket } from "./transport/byte-socket.js";
import { createGeneratedClient, type GeneratedClient } from "./transport/generated-client.js";
import { createUnaryTransport } from "./transport/unary-transport.js";

export type DaemonClient = GeneratedClient<typeof AttachmentServiceDefinition>;

export interface DaemonConnection {
  readonly client: DaemonClient;
  close(): void;
}

/** `openSocket`: how to reach the socket (node:net when omitted). */
export function createDaemonConnection(socketPath: string, openSocket?: OpenSocket): DaemonConnection {
  const transport = createUnaryTransport(socketPath, openSocket);
  // Connect at once: the daemon accepts while the shim loads the rest of its code.
  transport.connect();
  return { client: createGeneratedClient(AttachmentServiceDefinition, transport), close: () => transport.close() };
}
