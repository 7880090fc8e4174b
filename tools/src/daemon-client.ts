// The one way netattachctl (and tests) talk to netattachd: a nice-grpc client on the unix
// socket (or host:port), with rich error details and per-call deadlines.
import { isIP } from "node:net";
import { resolve } from "node:path";
import type { ConnectionOptions } from "node:tls";
import { ChannelCredentials } from "@grpc/grpc-js";
import { createChannel, createClientFactory, Metadata, type Client, type ClientMiddleware } from "nice-grpc";
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
  const channel = tls !== undefined ? createChannel(address, sslCredentials(tls)) : createChannel(address);
  const factory = createClientFactory().use(errorDetailsClientMiddleware).use(deadlineMiddleware).use(sendDeadline); // the last is outermost
  return {
    api: factory.create(AttachmentServiceDefinition, channel),
    health: factory.create(HealthDefinition, channel),
    events: factory.create(EventServiceDefinition, channel),
    close: () => channel.close(),
  };
}

/**
 * The call's deadline sent as grpc-timeout, as gRPC clients do: nice-grpc's deadline middleware only
 * cancels the call here when it passes, which the daemon cannot tell from a cancel; knowing it, the
 * daemon budgets a DEL's plugins to answer before it (orphaning what they could not release).
 */
const sendDeadline: ClientMiddleware<DeadlineOptions> = async function* (call, options) {
  if (options.deadline === undefined) return yield* call.next(call.request, options);
  const left = options.deadline instanceof Date ? options.deadline.getTime() - Date.now() : options.deadline;
  const metadata = Metadata(options.metadata);
  metadata.set("grpc-timeout", `${Math.min(99_999_999, Math.max(1, Math.ceil(left)))}m`); // at most 8 digits
  return yield* call.next(call.request, { ...options, metadata });
};

/**
 * Mutual TLS whose ServerName (SNI) is the target's DNS name only. grpc-js sends any host as the
 * ServerName, an IP address too, which RFC 6066 forbids and Node answers with a DEP0123 warning on
 * stderr. Without it the certificate is still checked against the address (tls.connect's `host`).
 * grpc-js keeps its tls.connect options in the connector it creates; the integration test of
 * the TCP listener fails (the warning comes back) if that ever changes shape.
 */
function sslCredentials(tls: ClientTls): ChannelCredentials {
  const creds = ChannelCredentials.createSsl(tls.ca, tls.key, tls.cert);
  const create = creds._createSecureConnector.bind(creds);
  creds._createSecureConnector = (...args) => {
    const connector = create(...args);
    const options = (connector as { connectionOptions?: ConnectionOptions }).connectionOptions;
    if (options?.servername !== undefined && isIP(options.servername) !== 0) delete options.servername;
    return connector;
  };
  return creds;
}

export function toAddress(target: string): string {
  if (!isSocketPath(target)) return target;
  return target.startsWith("/") ? `unix://${target}` : `unix:${target}`;
}

/**
 * A socket path made absolute against `cwd`; other targets unchanged. grpc-js cannot dial a
 * relative unix path (it dials "run/na.sock:80"), and the daemon's own paths are absolute.
 */
export function absoluteTarget(target: string, cwd: string): string {
  return isSocketPath(target) ? resolve(cwd, target) : target;
}

/** Not a unix: address and not host:port. */
function isSocketPath(target: string): boolean {
  if (target.startsWith("unix:")) return false;
  return target.startsWith("/") || target.startsWith(".") || !/:\d+$/.test(target);
}
