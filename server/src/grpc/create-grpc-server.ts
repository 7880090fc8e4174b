// One configured nice-grpc server: AttachmentService and EventService (logged, errors mapped),
// grpc.health.v1 and server reflection, which lists (and can describe) every one of them.
// Called once per listener (nice-grpc servers listen once).
import { createServer, type Server } from "nice-grpc";
import { errorDetailsServerMiddleware } from "nice-grpc-error-details";
import { HealthDefinition, HealthServiceImpl, type HealthState } from "nice-grpc-server-health";
import { ServerReflection, ServerReflectionService } from "nice-grpc-server-reflection";
import type { Logger } from "pino";
import { AttachmentServiceDefinition } from "../../../proto/gen/netattach/v1/attachment_service.js";
import { EventServiceDefinition } from "../../../proto/gen/netattach/v1/event_service.js";
import type { AttachmentService } from "../attach/types.js";
import type { EventBus } from "../events/event-bus.js";
import { createAttachmentServiceImpl } from "./attachment-service.js";
import { createEventServiceImpl } from "./event-service.js";
import { errorMiddleware } from "./error-middleware.js";
import { loggingMiddleware } from "./logging-middleware.js";
import { DEFAULT_INPUT_LIMITS, type InputLimits } from "../limits/input-limits.js";

export const SERVICE_NAME = AttachmentServiceDefinition.fullName;

export interface GrpcServerOptions {
  readonly service: AttachmentService;
  readonly log: Logger;
  readonly health: HealthState;
  readonly descriptorSet: Uint8Array;
  /** Events served by WatchEvents. */
  readonly events: EventBus;
  /** Request bounds: message size (grpc-js answers RESOURCE_EXHAUSTED above it) and JSON depth; the defaults when absent. */
  readonly limits?: InputLimits;
}

export function createGrpcServer(opts: GrpcServerOptions): Server {
  const limits = opts.limits ?? DEFAULT_INPUT_LIMITS;
  const server = createServer({ "grpc.max_receive_message_length": limits.maxMessageBytes }).use(errorDetailsServerMiddleware);
  server.with(loggingMiddleware(opts.log)).with(errorMiddleware).add(AttachmentServiceDefinition, createAttachmentServiceImpl(opts.service, limits));
  server.with(loggingMiddleware(opts.log)).with(errorMiddleware).add(EventServiceDefinition, createEventServiceImpl(opts.events));
  server.add(HealthDefinition, HealthServiceImpl(opts.health));
  const reflection = ServerReflection(opts.descriptorSet, SERVED_SERVICES);
  server.add(ServerReflectionService, reflection);
  server.add(REFLECTION_V1ALPHA, reflection);
  return server;
}

/** The same reflection service under its v1alpha name (wire-identical), for grpcurl < 1.9 and older tools. */
const REFLECTION_V1ALPHA = Object.fromEntries(
  Object.entries(ServerReflectionService).map(([name, method]) => [name, { ...method, path: method.path.replace("/grpc.reflection.v1.", "/grpc.reflection.v1alpha.") }]),
) as typeof ServerReflectionService;

/** Full names of the services served, as reflection lists them (proto/gen/descriptor.binpb describes each). */
export const SERVED_SERVICES: readonly string[] = [AttachmentServiceDefinition.fullName, EventServiceDefinition.fullName, HealthDefinition.fullName, ...[ServerReflectionService, REFLECTION_V1ALPHA].map(grpcJsServiceName)];

/** "pkg.Service" of a grpc-js style definition, from its methods' "/pkg.Service/Method" paths. */
function grpcJsServiceName(definition: Record<string, { readonly path: string }>): string {
  const [first] = Object.values(definition);
  return first!.path.slice(1, first!.path.lastIndexOf("/"));
}
