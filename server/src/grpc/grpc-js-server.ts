// nice-grpc services on a grpc-js Server that this module owns. nice-grpc's createServer()
// keeps its grpc-js Server private, and with it grpc-js's connection injector, which the
// daemon needs to serve gRPC and Connect on one unix socket (protocol-listener.ts hands each
// HTTP/2 connection to the injector). The method handlers are nice-grpc's own, the very ones
// createServer() installs, so a call runs exactly as it did through createServer().
import { Server, type ChannelOptions, type Metadata, type UntypedServiceImplementation } from "@grpc/grpc-js";
import type { CompatServiceDefinition } from "nice-grpc";
import type { ServerMiddleware } from "nice-grpc-common";
import * as bidi from "nice-grpc/lib/server/handleBidiStreamingCall.js";
import * as clientStreaming from "nice-grpc/lib/server/handleClientStreamingCall.js";
import * as serverStreaming from "nice-grpc/lib/server/handleServerStreamingCall.js";
import * as unary from "nice-grpc/lib/server/handleUnaryCall.js";
import * as definitions from "nice-grpc/lib/service-definitions/index.js";
import type { GrpcJsServiceDefinition, MethodDefinition } from "nice-grpc";
import { putGrpcJsDeadline } from "./caller-deadline.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each method has its own message types
type AnyMethod = MethodDefinition<any, any, any, any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- as nice-grpc's own signatures
type AnyMiddleware = ServerMiddleware<any, any>;
type HandlerFactory = (
  definition: AnyMethod,
  implementation: (...args: unknown[]) => unknown,
  middleware: AnyMiddleware | undefined,
) => unknown;

/**
 * nice-grpc's internal modules (marked @internal, so their .d.ts files are empty): the
 * functions nice-grpc's Server.listen() uses. Pinned with nice-grpc in package-lock.json; the
 * daemon's integration tests exercise every kind (unary, server-streaming health Watch, bidi
 * reflection), so a change of shape fails there.
 */
const internals = {
  normalize: (
    definitions as unknown as { normalizeServiceDefinition(d: CompatServiceDefinition): Record<string, AnyMethod> }
  ).normalizeServiceDefinition,
  toGrpcJs: (
    definitions as unknown as { toGrpcJsServiceDefinition(d: Record<string, AnyMethod>): GrpcJsServiceDefinition }
  ).toGrpcJsServiceDefinition,
  unary: (unary as unknown as { createUnaryMethodHandler: HandlerFactory }).createUnaryMethodHandler,
  serverStreaming: (serverStreaming as unknown as { createServerStreamingMethodHandler: HandlerFactory })
    .createServerStreamingMethodHandler,
  clientStreaming: (clientStreaming as unknown as { createClientStreamingMethodHandler: HandlerFactory })
    .createClientStreamingMethodHandler,
  bidi: (bidi as unknown as { createBidiStreamingMethodHandler: HandlerFactory }).createBidiStreamingMethodHandler,
};

export interface GrpcService {
  readonly definition: CompatServiceDefinition;
  readonly implementation: object;
  /** Runs around every method of this service (compose several with composeServerMiddleware). */
  readonly middleware?: AnyMiddleware;
}

/** The normalized methods of a service definition: nice-grpc's path, codecs and streaming flags. */
export function serviceMethods(definition: CompatServiceDefinition): Readonly<Record<string, AnyMethod>> {
  return internals.normalize(definition);
}

function handlerFactory(method: AnyMethod): HandlerFactory {
  if (method.requestStream) return method.responseStream ? internals.bidi : internals.clientStreaming;
  return method.responseStream ? internals.serverStreaming : internals.unary;
}

export function createGrpcJsServer(services: readonly GrpcService[], options: ChannelOptions): Server {
  const server = new Server(options);
  for (const { definition, implementation, middleware } of services) {
    const methods = serviceMethods(definition);
    const handlers: UntypedServiceImplementation = {};
    for (const [name, method] of Object.entries(methods)) {
      const impl = (implementation as Record<string, (...args: unknown[]) => unknown>)[name];
      if (impl === undefined) throw new Error(`${method.path} has no implementation`);
      const handler = handlerFactory(method)(method, impl.bind(implementation), middleware) as (
        call: { metadata: Metadata; getDeadline(): Date | number },
        ...rest: unknown[]
      ) => unknown;
      // The deadline reaches the context only as a signal: its instant goes in the metadata (caller-deadline.ts).
      handlers[name] = ((call: Parameters<typeof handler>[0], ...rest: unknown[]) => {
        putGrpcJsDeadline(call.metadata, call.getDeadline());
        return handler(call, ...rest);
      }) as UntypedServiceImplementation[string];
    }
    server.addService(internals.toGrpcJs(methods), handlers);
  }
  return server;
}
