// One configured nice-grpc server: AttachmentService (logged, errors mapped), grpc.health.v1
// and server reflection. Called once per listener (nice-grpc servers listen once).
import { createServer, type Server } from "nice-grpc";
import { errorDetailsServerMiddleware } from "nice-grpc-error-details";
import { HealthDefinition, HealthServiceImpl, type HealthState } from "nice-grpc-server-health";
import { ServerReflection, ServerReflectionService } from "nice-grpc-server-reflection";
import type { Logger } from "pino";
import { AttachmentServiceDefinition } from "../../../proto/gen/netattach/v1/attachment_service.js";
import type { AttachmentService } from "../attach/types.js";
import { createAttachmentServiceImpl } from "./attachment-service.js";
import { errorMiddleware } from "./error-middleware.js";
import { loggingMiddleware } from "./logging-middleware.js";
import { DEFAULT_INPUT_LIMITS, type InputLimits } from "../limits/input-limits.js";

export const SERVICE_NAME = AttachmentServiceDefinition.fullName;

export interface GrpcServerOptions {
  readonly service: AttachmentService;
  readonly log: Logger;
  readonly health: HealthState;
  readonly descriptorSet: Uint8Array;
  /** Request bounds: message size (grpc-js answers RESOURCE_EXHAUSTED above it) and JSON depth; the defaults when absent. */
  readonly limits?: InputLimits;
}

export function createGrpcServer(opts: GrpcServerOptions): Server {
  const limits = opts.limits ?? DEFAULT_INPUT_LIMITS;
  const server = createServer({ "grpc.max_receive_message_length": limits.maxMessageBytes }).use(errorDetailsServerMiddleware);
  server.with(loggingMiddleware(opts.log)).with(errorMiddleware).add(AttachmentServiceDefinition, createAttachmentServiceImpl(opts.service, limits));
  server.add(HealthDefinition, HealthServiceImpl(opts.health));
  const reflection = ServerReflection(opts.descriptorSet, [SERVICE_NAME]);
  server.add(ServerReflectionService, reflection);
  server.add(REFLECTION_V1ALPHA, reflection);
  return server;
}

/** The same reflection service under its v1alpha name (wire-identical), for grpcurl < 1.9 and older tools. */
const REFLECTION_V1ALPHA = Object.fromEntries(
  Object.entries(ServerReflectionService).map(([name, method]) => [name, { ...method, path: method.path.replace("/grpc.reflection.v1.", "/grpc.reflection.v1alpha.") }]),
) as typeof ServerReflectionService;
