// The daemon's RPC server. Over gRPC: AttachmentService and EventService (logged, errors
// mapped), grpc.health.v1 and server reflection, which lists (and can describe) every one of
// them. Over Connect (HTTP/1.1, the shim's protocol; see
// ../connect/connect-handler.ts): AttachmentService's unary methods. Both on the same unix
// socket (protocol-listener.ts), through the same implementation and middleware, with the same
// input limits; a TCP listener, when configured, serves gRPC only, over mutual TLS (tls-listener.ts).
import { createServer as createHttpServer } from "node:http";
import { ServerCredentials } from "@grpc/grpc-js";
import { composeServerMiddleware } from "nice-grpc-common";
import { errorDetailsServerMiddleware } from "nice-grpc-error-details";
import { HealthDefinition, HealthServiceImpl, type HealthState } from "nice-grpc-server-health";
import { ServerReflection, ServerReflectionService } from "nice-grpc-server-reflection";
import type { Logger } from "pino";
import { AttachmentServiceDefinition } from "../../../proto/gen/netattach/v1/attachment_service.js";
import { EventServiceDefinition } from "../../../proto/gen/netattach/v1/event_service.js";
import type { AttachmentService } from "../attach/index.js";
import type { TlsMaterial } from "../config/index.js";
import { createConnectHandler } from "../connect/connect-handler.js";
import type { EventBus } from "../events/event-bus.js";
import { createAttachmentServiceImpl } from "./attachment-service.js";
import { createEventServiceImpl } from "./event-service.js";
import { errorMiddleware } from "./error-middleware.js";
import { DEFAULT_INPUT_LIMITS, type InputLimits } from "../limits/input-limits.js";
import { createGrpcJsServer, type GrpcService } from "./grpc-js-server.js";
import { loggingMiddleware } from "./logging-middleware.js";
import { routeByProtocol } from "./protocol-listener.js";
import { createRefusedHandshakes } from "./refused-handshakes.js";
import { createTlsListener, type TlsListener } from "./tls-listener.js";

export const SERVICE_NAME = AttachmentServiceDefinition.fullName;

/**
 * Calls one HTTP/2 connection may have open at once (its SETTINGS_MAX_CONCURRENT_STREAMS; HTTP/2's
 * advised floor). grpc-js sets none: each open stream holds ~15 KB, so one connection of 20000
 * health Watch streams held 300 MiB. netattachctl and grpcurl make one call at a time, WatchEvents
 * streams are fewer (events.maxWatchers), the shim speaks Connect over HTTP/1.1.
 */
export const MAX_CONCURRENT_STREAMS = 100;

export interface RpcServerOptions {
  readonly service: AttachmentService;
  readonly log: Logger;
  readonly health: HealthState;
  readonly descriptorSet: Uint8Array;
  /** Events served by WatchEvents (gRPC only: a server stream). */
  readonly events: EventBus;
  /** Request bounds (message size, JSON depth, ...), for gRPC and Connect alike; the defaults when absent. */
  readonly limits?: InputLimits;
}

export interface RpcServer {
  /** gRPC and Connect on a unix socket (its directory prepared by the caller). */
  listenUnix(path: string): Promise<void>;
  /** gRPC on host:port, mutual TLS with `tls` (refused connections logged); resolves with the bound port. */
  listenTcp(address: string, tls: TlsMaterial): Promise<number>;
  /** Stops accepting; resolves once every call in flight has finished and its connection closed. */
  shutdown(): Promise<void>;
  /** Cancels the calls in flight and closes every connection. */
  forceShutdown(): void;
}

export function createRpcServer(opts: RpcServerOptions): RpcServer {
  const limits = opts.limits ?? DEFAULT_INPUT_LIMITS;
  const attachment: GrpcService = {
    definition: AttachmentServiceDefinition,
    implementation: createAttachmentServiceImpl(opts.service, limits),
    middleware: composeServerMiddleware(loggingMiddleware(opts.log), errorMiddleware),
  };
  const reflection = ServerReflection(opts.descriptorSet, SERVED_SERVICES);
  // grpc-status-details-bin is how gRPC carries error details; Connect puts them in its JSON.
  const grpcServices = (
    [
      attachment,
      {
        definition: EventServiceDefinition,
        implementation: createEventServiceImpl(opts.events),
        middleware: attachment.middleware,
      },
      { definition: HealthDefinition, implementation: HealthServiceImpl(opts.health) },
      { definition: ServerReflectionService, implementation: reflection },
      { definition: REFLECTION_V1ALPHA, implementation: reflection },
    ] satisfies GrpcService[] as GrpcService[]
  ).map((s) => ({
    ...s,
    middleware: s.middleware
      ? composeServerMiddleware(errorDetailsServerMiddleware, s.middleware)
      : errorDetailsServerMiddleware,
  }));
  // Above limits.maxMessageBytes grpc-js answers RESOURCE_EXHAUSTED, Connect LIMIT_EXCEEDED.
  const grpc = createGrpcJsServer(grpcServices, {
    "grpc.max_receive_message_length": limits.maxMessageBytes,
    "grpc.max_concurrent_streams": MAX_CONCURRENT_STREAMS,
  });
  const connect = createConnectHandler([attachment], { maxMessageBytes: limits.maxMessageBytes });
  const http = createHttpServer(connect);
  const injector = grpc.createConnectionInjector(ServerCredentials.createInsecure());
  const routing = routeByProtocol(http, (socket) => injector.injectConnection(socket));
  // TLS ends at the listener: its connections reach the injector decrypted, as the unix socket's do.
  const refusals = createRefusedHandshakes(opts.log);
  let tcp: TlsListener | undefined;

  return {
    listenUnix: (path) =>
      new Promise((resolve, reject) => {
        http.once("error", reject).listen(path, () => {
          http.off("error", reject);
          resolve();
        });
      }),
    listenTcp: (address, tls) => {
      tcp = createTlsListener(tls, (socket) => injector.injectConnection(socket), refusals);
      return tcp.listen(address);
    },
    shutdown: async () => {
      connect.drain();
      // http's close() waits for every connection it accepted, gRPC ones included; so does tcp's.
      const closed = new Promise<void>((resolve) => (http.listening ? http.close(() => resolve()) : resolve()));
      await Promise.all([
        new Promise<void>((resolve, reject) => grpc.tryShutdown((err) => (err ? reject(err) : resolve()))),
        closed,
        tcp?.close(),
      ]);
      refusals.close();
    },
    forceShutdown: () => {
      connect.cancelAll();
      grpc.forceShutdown();
      http.closeAllConnections();
      routing.destroyUndecided();
      tcp?.destroyAll();
      refusals.close();
    },
  };
}

/** The same reflection service under its v1alpha name (wire-identical), for grpcurl < 1.9 and older tools. */
const REFLECTION_V1ALPHA = Object.fromEntries(
  Object.entries(ServerReflectionService).map(([name, method]) => [
    name,
    { ...method, path: method.path.replace("/grpc.reflection.v1.", "/grpc.reflection.v1alpha.") },
  ]),
) as typeof ServerReflectionService;

/** Full names of the services served over gRPC, as reflection lists them (proto/gen/descriptor.binpb describes each). */
export const SERVED_SERVICES: readonly string[] = [
  AttachmentServiceDefinition.fullName,
  EventServiceDefinition.fullName,
  HealthDefinition.fullName,
  ...[ServerReflectionService, REFLECTION_V1ALPHA].map(grpcJsServiceName),
];

/** "pkg.Service" of a grpc-js style definition, from its methods' "/pkg.Service/Method" paths. */
function grpcJsServiceName(definition: Record<string, { readonly path: string }>): string {
  const [first] = Object.values(definition);
  return first!.path.slice(1, first!.path.lastIndexOf("/"));
}
