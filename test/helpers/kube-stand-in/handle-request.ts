// Serves one HTTP request the way kube-apiserver would for pods,
// network-attachment-definitions and events.k8s.io/v1 Events: auth, get, list, watch, create
// (Events), merge PATCH (pods, Events), validation and Status errors.
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import { validateEventCreate, validateEventUpdate, type FieldProblem } from "./event-validation.js";
import { applyMergePatch } from "./merge-patch.js";
import { notFound, type ObjectStore, StandInError } from "./object-store.js";
import { parseRoute, type Route, verbOf } from "./routes.js";
import { fieldSelector, labelSelector } from "./selectors.js";
import { KINDS, type KubeObject, type RequestRecord, type Verb } from "./types.js";
import { WatchStream } from "./watch-stream.js";

export interface Fault {
  readonly verb?: Verb;
  readonly resource?: Route["resource"];
  readonly subresource?: string;
  /**
   * HTTP status to answer with (a watch's 410 as the API server sends it: an ERROR event), "hang"
   * to never answer, or "stall": answer 200 and then send nothing and never end, whatever
   * timeoutSeconds asked (a wedged server or proxy mid-stream).
   */
  readonly status: number | "hang" | "stall";
  remaining: number;
}

export interface HandlerState {
  readonly store: ObjectStore;
  /** The bearer token accepted now (rotateToken() replaces it). */
  token: string;
  readonly watches: Set<WatchStream>;
  readonly faults: Fault[];
  readonly requests: RequestRecord[];
  /** Users (CNs) whose verified client certificates authenticate a request. */
  readonly clientCns: Set<string>;
  /** Paginated LIST snapshots by continue token (all pages of one LIST share a snapshot). */
  readonly snapshots: Map<string, { rv: number; items: KubeObject[] }>;
  /** Resources this stand-in serves (a missing CRD is a 404 for the whole resource). */
  readonly served: ReadonlySet<Route["resource"]>;
  /** While set, every request is answered with this status (an API server that is up but cannot serve). */
  outage?: 429 | 503;
}

const MERGE_PATCH = "application/merge-patch+json";

function statusBody(code: number, reason: string, message: string, details?: object): object {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

/** What kube-apiserver answers while it cannot serve: 503 (e.g. etcd gone) or 429 (API Priority and Fairness). */
function outageBody(code: 429 | 503): object {
  return code === 429
    ? statusBody(429, "TooManyRequests", "Too many requests, please try again later.", { retryAfterSeconds: 1 })
    : statusBody(503, "ServiceUnavailable", "the server is currently unable to handle the request");
}

function send(res: ServerResponse, rec: RequestRecord, code: number, body: object): void {
  rec.status = code;
  const text = JSON.stringify(body);
  res.writeHead(code, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** kube-apiserver's x509 authenticator: a client certificate of the trusted CA whose user is (still) accepted. */
function certificateUserAccepted(state: HandlerState, req: IncomingMessage): boolean {
  const socket = req.socket as TLSSocket;
  if (!socket.authorized) return false;
  const cn = socket.getPeerCertificate().subject?.CN;
  return typeof cn === "string" && state.clientCns.has(cn);
}

function takeFault(state: HandlerState, rec: RequestRecord): Fault | undefined {
  const f = state.faults.find(
    (x) =>
      x.remaining > 0 &&
      (!x.verb || x.verb === rec.verb) &&
      (!x.resource || x.resource === rec.resource) &&
      (x.subresource === undefined || x.subresource === (rec.subresource ?? "")),
  );
  if (f) f.remaining--;
  return f;
}

export async function handleRequest(state: HandlerState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "https://stand-in");
  const route = parseRoute(url.pathname);
  const verb = verbOf(req.method ?? "GET", route, url.searchParams);
  const body = req.method === "GET" ? undefined : await readBody(req);
  const rec: RequestRecord = {
    method: req.method ?? "GET",
    path: url.pathname,
    verb,
    resource: route?.resource,
    namespace: route?.namespace,
    name: route?.name,
    subresource: route?.subresource,
    query: Object.fromEntries(url.searchParams),
    contentType: req.headers["content-type"],
    userAgent: req.headers["user-agent"],
    body,
    status: 0,
  };
  state.requests.push(rec);

  if (state.outage !== undefined) return send(res, rec, state.outage, outageBody(state.outage));
  if (req.headers.authorization !== `Bearer ${state.token}` && !certificateUserAccepted(state, req)) {
    return send(res, rec, 401, statusBody(401, "Unauthorized", "Unauthorized"));
  }
  if (!route || !state.served.has(route.resource)) {
    return send(res, rec, 404, statusBody(404, "NotFound", "the server could not find the requested resource"));
  }
  const fault = takeFault(state, rec);
  if (fault?.status === "hang") return; // the socket stays open, no answer ever comes
  if (fault?.status === "stall") {
    rec.status = 200;
    res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
    res.flushHeaders();
    return; // headers only: no event, no bookmark, no end
  }
  if (fault?.status === 410 && verb === "watch") {
    // What kube-apiserver answers a watch from a resourceVersion it no longer has: a 200 stream
    // carrying one ERROR event (410 Expired), then the end.
    rec.status = 200;
    const expired = statusBody(410, "Expired", "too old resource version (injected)");
    res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
    res.end(JSON.stringify({ type: "ERROR", object: expired }) + "\n");
    return;
  }
  if (fault) {
    const reason = fault.status === 409 ? "Conflict" : fault.status >= 500 ? "InternalError" : "BadRequest";
    const message =
      fault.status === 409
        ? `Operation cannot be fulfilled on ${route.resource} "${route.name}": the object has been modified; please apply your changes to the latest version and try again`
        : `injected failure ${fault.status}`;
    return send(res, rec, fault.status, statusBody(fault.status, reason, message));
  }
  try {
    switch (verb) {
      case "get":
        return getOne(state, route, rec, res);
      case "list":
        return list(state, route, url.searchParams, rec, res);
      case "watch":
        return watch(state, route, url.searchParams, rec, res);
      case "create":
        return create(state, route, rec, res);
      case "patch":
        return route.resource === "events" ? patchEvent(state, route, rec, res) : patch(state, route, rec, res);
      default:
        return send(
          res,
          rec,
          405,
          statusBody(405, "MethodNotAllowed", `the stand-in does not implement ${rec.method} here`),
        );
    }
  } catch (err) {
    if (err instanceof StandInError) return send(res, rec, err.code, statusBody(err.code, err.reason, err.message));
    throw err;
  }
}

function getOne(state: HandlerState, route: Route, rec: RequestRecord, res: ServerResponse): void {
  if (route.subresource && route.subresource !== "status") throw notFound(route.resource, route.name!);
  const obj = state.store.get(route.resource, route.namespace!, route.name!);
  if (!obj) throw notFound(route.resource, route.name!);
  send(res, rec, 200, obj);
}

function selection(route: Route, q: URLSearchParams): (o: KubeObject) => boolean {
  const byField = fieldSelector(q.get("fieldSelector") ?? undefined);
  const byLabel = labelSelector(q.get("labelSelector") ?? undefined);
  return (o) => (!route.namespace || o.metadata.namespace === route.namespace) && byField(o) && byLabel(o);
}

function list(state: HandlerState, route: Route, q: URLSearchParams, rec: RequestRecord, res: ServerResponse): void {
  const k = KINDS[route.resource];
  const limit = Number(q.get("limit") ?? "0");
  const token = q.get("continue");
  let snap: { rv: number; items: KubeObject[] };
  let offset = 0;
  if (token) {
    const [id, at] = token.split(":");
    const found = state.snapshots.get(id ?? "");
    if (!found || found.rv < state.store.oldestRv()) {
      throw new StandInError(
        410,
        "Expired",
        "The provided continue parameter is too old to display a consistent list result.",
      );
    }
    snap = found;
    offset = Number(at);
  } else {
    snap = { rv: state.store.currentRv(), items: state.store.list(route.resource, selection(route, q)) };
  }
  const end = limit > 0 ? offset + limit : snap.items.length;
  const meta: Record<string, unknown> = { resourceVersion: String(snap.rv) };
  if (end < snap.items.length) {
    const id = token?.split(":")[0] ?? randomUUID();
    state.snapshots.set(id, snap);
    meta.continue = `${id}:${end}`;
    meta.remainingItemCount = snap.items.length - end;
  } else if (token) {
    state.snapshots.delete(token.split(":")[0] ?? ""); // last page served
  }
  send(res, rec, 200, {
    apiVersion: k.apiVersion,
    kind: k.listKind,
    metadata: meta,
    items: snap.items.slice(offset, end),
  });
}

function watch(state: HandlerState, route: Route, q: URLSearchParams, rec: RequestRecord, res: ServerResponse): void {
  const k = KINDS[route.resource];
  const matches = selection(route, q);
  const rvParam = q.get("resourceVersion") ?? "";
  const timeout = Number(q.get("timeoutSeconds") ?? "0");
  rec.status = 200;
  const stream: WatchStream = new WatchStream(
    res,
    { namespace: route.namespace, matches },
    {
      resource: route.resource,
      apiVersion: k.apiVersion,
      kind: k.kind,
      bookmarks: q.get("allowWatchBookmarks") === "true",
      timeoutSeconds: timeout,
    },
    () => state.watches.delete(stream),
  );
  state.watches.add(stream);
  if (rvParam === "" || rvParam === "0") {
    // No resourceVersion: synthetic ADDED for everything that exists now, then live events.
    for (const object of state.store.list(route.resource, matches)) {
      stream.deliver({ rv: Number(object.metadata.resourceVersion), resource: route.resource, type: "ADDED", object });
    }
    return;
  }
  try {
    for (const ev of state.store.eventsSince(route.resource, Number(rvParam))) stream.deliver(ev);
  } catch (err) {
    if (err instanceof StandInError && err.code === 410) return stream.expire(err.message);
    throw err;
  }
}

function patch(state: HandlerState, route: Route, rec: RequestRecord, res: ServerResponse): void {
  if (route.resource !== "pods" || !route.name || (route.subresource && route.subresource !== "status")) {
    return send(res, rec, 405, statusBody(405, "MethodNotAllowed", "the stand-in patches only pods and pods/status"));
  }
  const type = (rec.contentType ?? "").split(";")[0]!.trim();
  if (type !== MERGE_PATCH) {
    return send(
      res,
      rec,
      415,
      statusBody(415, "UnsupportedMediaType", `the stand-in accepts only ${MERGE_PATCH}, got ${type || "none"}`),
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(rec.body ?? "");
  } catch {
    return send(res, rec, 400, statusBody(400, "BadRequest", "patch body is not JSON"));
  }
  const current = state.store.get("pods", route.namespace!, route.name);
  if (!current) throw notFound("pods", route.name);
  // What kube-apiserver (v1.26) does with metadata in a merge patch, in its order: the patched
  // object's resourceVersion must be the stored one (registry Store.Update: 409 Conflict), then
  // metadata.uid is immutable (rest.BeforeUpdate → ValidateObjectMetaUpdate, and for pods/status
  // ValidatePodStatusUpdate once more: 422 Invalid with the cause twice, the message once). A
  // PATCH builds no storage precondition, so the 409 "Precondition failed: UID in precondition"
  // of an update or delete with preconditions is not what a PATCH gets.
  const meta = (body as { metadata?: { uid?: unknown; resourceVersion?: unknown } } | null)?.metadata;
  if (typeof meta?.resourceVersion === "string" && meta.resourceVersion !== current.metadata.resourceVersion) {
    const message = `Operation cannot be fulfilled on pods "${route.name}": the object has been modified; please apply your changes to the latest version and try again`;
    return send(res, rec, 409, statusBody(409, "Conflict", message, { name: route.name, kind: "pods" }));
  }
  if (typeof meta?.uid === "string" && meta.uid !== current.metadata.uid) {
    const cause = {
      reason: "FieldValueInvalid",
      message: `Invalid value: ${JSON.stringify(meta.uid)}: field is immutable`,
      field: "metadata.uid",
    };
    const causes = route.subresource === "status" ? [cause, cause] : [cause];
    const message = `Pod ${JSON.stringify(route.name)} is invalid: metadata.uid: ${cause.message}`;
    return send(res, rec, 422, statusBody(422, "Invalid", message, { name: route.name, kind: "Pod", causes }));
  }
  const updated = state.store.update("pods", route.namespace!, route.name, (pod) => {
    const merged = applyMergePatch(pod, body) as KubeObject;
    // pods/status may change metadata and status, never spec (as the status strategy does).
    const keepSpec = route.subresource === "status" ? pod.spec : merged.spec;
    for (const k of Object.keys(pod)) delete pod[k];
    Object.assign(pod, merged, { spec: keepSpec });
  });
  send(res, rec, 200, updated);
}

/** 422 Invalid with one cause per problem, as the API server words it. */
function invalid(
  res: ServerResponse,
  rec: RequestRecord,
  kind: string,
  name: string,
  problems: readonly FieldProblem[],
): void {
  const causes = problems.map((p) => ({ reason: "FieldValueInvalid", message: p.message, field: p.field }));
  const message = `${kind} ${JSON.stringify(name)} is invalid: ${problems.map((p) => `${p.field}: ${p.message}`).join(", ")}`;
  send(res, rec, 422, statusBody(422, "Invalid", message, { name, group: "events.k8s.io", kind, causes }));
}

function parseBody(rec: RequestRecord): unknown {
  try {
    return JSON.parse(rec.body ?? "");
  } catch {
    return undefined;
  }
}

/** POST of an events.k8s.io/v1 Event (the only resource the stand-in creates by request). */
function create(state: HandlerState, route: Route, rec: RequestRecord, res: ServerResponse): void {
  if (route.resource !== "events" || route.name || !route.namespace) {
    return send(
      res,
      rec,
      405,
      statusBody(405, "MethodNotAllowed", "the stand-in creates only events.k8s.io/v1 events in a namespace"),
    );
  }
  const body = parseBody(rec) as (KubeObject & Record<string, unknown>) | undefined;
  if (typeof body !== "object" || body === null || body.kind !== "Event" || body.apiVersion !== "events.k8s.io/v1") {
    return send(res, rec, 400, statusBody(400, "BadRequest", "the body is not an events.k8s.io/v1 Event"));
  }
  const problems = validateEventCreate(body, route.namespace);
  if (problems.length > 0) return invalid(res, rec, "Event", String(body.metadata?.name ?? ""), problems);
  const stored = state.store.create("events", {
    ...body,
    metadata: { ...body.metadata, namespace: route.namespace, uid: "", resourceVersion: "" },
  });
  send(res, rec, 201, stored);
}

/** PATCH of an Event: merge (or strategic merge: the same for an Event's fields), then the immutable-field rules. */
function patchEvent(state: HandlerState, route: Route, rec: RequestRecord, res: ServerResponse): void {
  const type = (rec.contentType ?? "").split(";")[0]!.trim();
  if (type !== MERGE_PATCH && type !== "application/strategic-merge-patch+json") {
    return send(
      res,
      rec,
      415,
      statusBody(
        415,
        "UnsupportedMediaType",
        `the stand-in patches events with merge patches only, got ${type || "none"}`,
      ),
    );
  }
  const body = parseBody(rec);
  if (body === undefined) return send(res, rec, 400, statusBody(400, "BadRequest", "patch body is not JSON"));
  const current = state.store.get("events", route.namespace!, route.name!);
  if (!current) throw notFound("events", route.name!);
  const next = applyMergePatch(current, body) as KubeObject & Record<string, unknown>;
  const problems = validateEventUpdate(next, current as KubeObject & Record<string, unknown>);
  if (problems.length > 0) return invalid(res, rec, "Event", route.name!, problems);
  const updated = state.store.update("events", route.namespace!, route.name!, (e) => {
    for (const k of Object.keys(e)) delete e[k];
    Object.assign(e, next);
  });
  send(res, rec, 200, updated);
}
