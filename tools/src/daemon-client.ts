// The one way netattachctl (and tests) talk to netattachd: a nice-grpc client on the unix
// socket (or host:port), with rich error details and per-call deadlines.
import { ChannelCredentials } from "@grpc/grpc-js";
import { createChannel, createClientFactory, type Client } from "nice-grpc";
import { deadlineMiddleware, type DeadlineOptions } from "nice-grpc-client-middleware-deadline";
import { errorDetailsClientMiddleware } from "nice-grpc-error-details";
import { HealthDefinition } from "nice-grpc-server-health";
import { AttachmentServiceDefinition } from "../../proto/gen/netattach/v1/attachment_service.js";
import { EventServiceDefinition } from "../../proto/gen/netattach/v1/event_service.js";
import { DEFAULT_SOCKET_PATH } from "../../server/src/wire/index.js";

export interface DaemonClient {
  readonly api: Client<typeof AttachmentServiceDefinition, DeadlineOptions>;
  readonly health: Client<typeof HealthDefinition, DeadlineOptions>;
  readonly events: Client<typeof EventServiceDefinition, DeadlineOptions>;
  close(): void;
}

/** PEM material for a TCP target: the CA that signed the daemon's certificate, and this client's own. */
export interface ClientTls {
  readonly ca: Buffer;
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** `target`: a socket path, a unix:// address, or host:port (with `tls`: the daemon's TCP listener is mutual TLS). */
export function createDaemonClient(target: string = DEFAULT_SOCKET_PATH, tls?: ClientTls): DaemonClient {
  const address = toAddress(target);
  const channel =
    tls !== undefined
      ? createChannel(address, ChannelCredentials.createSsl(tls.ca, tls.key, tls.cert))
      : createChannel(address);
  const factory = createClientFactory().use(errorDetailsClientMiddleware).use(deadlineMiddleware);
  return {
    api: factory.create(AttachmentServiceDefinition, channel),
    health: factory.create(HealthDefinition, channel),
    events: factory.create(EventServiceDefinition, channel),
    close: () => channel.close(),
  };
}

export function toAddress(target: string): string {
  if (target.startsWith("unix:")) return target;
  if (target.startsWith("/")) return `unix://${target}`;
  if (target.startsWith(".") || !/:\d+$/.test(target)) return `unix:${target}`;
  return target;
}
