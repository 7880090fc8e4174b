// Fields of the child logger bound to each call (rpc, container, pod, network), each bound once:
// pino writes every binding it is given, so a field bound by the gRPC middleware and again by the
// service would repeat its key on every line, and a JSON object with a key twice breaks log pipelines.
import type { Logger } from "pino";
import { MAX_IDENTITY_BYTES, boundText } from "../errors/bounded-text.js";

export interface CallFields {
  readonly rpc: string;
  readonly containerId?: string;
  readonly podNamespace?: string;
  readonly podName?: string;
  readonly network?: string;
}

export function callLogger(root: Logger, fields: CallFields): Logger {
  return root.child(bounded(Object.entries(fields).filter(([, v]) => v !== undefined && v !== "")));
}

/** Bindings come from the request, refused or not: each string is cut to MAX_IDENTITY_BYTES. */
function bounded(entries: ReadonlyArray<readonly [string, unknown]>): Record<string, unknown> {
  return Object.fromEntries(entries.map(([k, v]) => [k, typeof v === "string" ? boundText(v, MAX_IDENTITY_BYTES) : v]));
}

/**
 * `log` with `fields` bound, leaving out those it binds already (`log` itself when none is left):
 * pino would write a key bound twice twice, whatever the values. The outer binding is kept: it is
 * the call's as its caller named it (the gRPC middleware's, from the same request).
 */
export function bindNew(log: Logger, fields: Readonly<Record<string, string | number | boolean>>): Logger {
  const bound = log.bindings();
  const fresh = Object.entries(fields).filter(([k]) => !(k in bound));
  return fresh.length === 0 ? log : log.child(bounded(fresh));
}
