// Gives each call a child logger (rpc, container, pod) as context.log; logs outcome + duration.
// A failure is ONE line: warn for every catalog reason (a missing network, a bad annotation, a
// plugin's own error are the caller's or the node's business), error only for INTERNAL (a bug
// of ours, whose stack error-middleware has logged). No stack on this line.
import { ServerError, Status, type ServerMiddleware } from "nice-grpc-common";
import { ErrorInfo, RichServerError } from "nice-grpc-error-details";
import type { Logger } from "pino";
import { callLogger, type CallFields } from "../log/call-logger.js";
import type { LogContext } from "./attachment-service.js";

export function loggingMiddleware(
  root: Logger,
  now: () => number = () => performance.now(),
): ServerMiddleware<LogContext> {
  return async function* logging(call, context) {
    const log = callLogger(root, fieldsOf(call.method.path, call.request));
    const start = now();
    try {
      const response = yield* call.next(call.request, { ...context, log });
      log.info({ code: "OK", durationMs: Math.round(now() - start) }, "call ok");
      return response;
    } catch (err) {
      const durationMs = Math.round(now() - start);
      if (err instanceof ServerError) {
        const info =
          err instanceof RichServerError
            ? err.extra.find((e): e is ErrorInfo => e.$type === ErrorInfo.$type)
            : undefined;
        const level = isBug(err.code, info?.reason) ? "error" : "warn";
        log[level](
          { code: Status[err.code], reason: info?.reason, ...info?.metadata, durationMs, message: err.details },
          "call failed",
        );
      } else {
        log.error({ err, durationMs }, "call failed");
      }
      throw err;
    }
  };
}

/** INTERNAL (reason or, without ErrorInfo, status) is ours; everything else is expected. */
function isBug(code: Status, reason: string | undefined): boolean {
  if (reason !== undefined) return reason === "INTERNAL";
  return code === Status.INTERNAL || code === Status.UNKNOWN;
}

/** Call fields taken from whatever identity the request carries. */
function fieldsOf(path: string, request: unknown): CallFields {
  const rpc = path.slice(path.lastIndexOf("/") + 1);
  if (typeof request !== "object" || request === null) return { rpc };
  const r = request as { containerId?: unknown; pod?: { namespace?: unknown; name?: unknown } };
  const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
  const fields: { -readonly [K in keyof CallFields]: CallFields[K] } = { rpc };
  const containerId = str(r.containerId);
  const podNamespace = str(r.pod?.namespace);
  const podName = str(r.pod?.name);
  if (containerId) fields.containerId = containerId;
  if (podNamespace) fields.podNamespace = podNamespace;
  if (podName) fields.podName = podName;
  return fields;
}
