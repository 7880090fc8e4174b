// Last line of defence: every thrown value leaves as a catalog-mapped gRPC error.
// Unexpected errors are logged in full here and reach the client only as a generic INTERNAL.
import type { ServerMiddleware } from "nice-grpc-common";
import { toServerError } from "../errors/to-server-error.js";
import type { LogContext } from "./attachment-service.js";

export const errorMiddleware: ServerMiddleware<object, LogContext> = async function* errors(call, context) {
  try {
    return yield* call.next(call.request, context);
  } catch (err) {
    const mapped = toServerError(err);
    if (!mapped.expected) context.log.error({ err }, "unexpected error");
    else if (mapped.error !== err) context.log.debug({ err }, "call error detail");
    throw mapped.error;
  }
};
