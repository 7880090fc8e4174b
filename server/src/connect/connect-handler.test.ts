import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ServerError, Status, type CallContext, type ServerMiddleware } from "nice-grpc-common";
import { ErrorInfo, RichServerError } from "nice-grpc-error-details";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  AttachmentServiceDefinition,
  CheckNetworksRequest,
  GetStatusResponse,
} from "../../../proto/gen/netattach/v1/attachment_service.js";
import { callerDeadline } from "../grpc/caller-deadline.js";
import { createConnectHandler, type ConnectHandler } from "./connect-handler.js";

type Impl = (request: unknown, context: CallContext) => Promise<unknown>;

let server: Server;
let base: string;
let handler: ConnectHandler;
let impl: Record<string, Impl>;
const middlewareSaw: string[] = [];

/** Every method answers with its empty reply unless a test replaces it. */
function emptyImplementation(): Record<string, Impl> {
  return Object.fromEntries(Object.keys(AttachmentServiceDefinition.methods).map((k) => [k, async () => ({})]));
}

const recording: ServerMiddleware = async function* (call, context) {
  middlewareSaw.push(call.method.path);
  return yield* call.next(call.request, context);
};

beforeEach(async () => {
  impl = emptyImplementation();
  middlewareSaw.length = 0;
  // Each method looks up `impl` per call, so tests can replace methods.
  const implementation = Object.fromEntries(
    Object.keys(impl).map((k) => [k, (req: unknown, ctx: CallContext) => impl[k]?.(req, ctx)]),
  );
  handler = createConnectHandler([{ definition: AttachmentServiceDefinition, implementation, middleware: recording }], {
    maxMessageBytes: 1_000,
  });
  server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const PROTO = { "content-type": "application/proto", "connect-protocol-version": "1" };
const post = (
  method: string,
  body: Uint8Array = new Uint8Array(),
  headers: Record<string, string> = PROTO,
): Promise<Response> => fetch(`${base}/netattach.v1.AttachmentService/${method}`, { method: "POST", headers, body });

async function errorOf(
  res: Response,
): Promise<{ code: string; message: string; details?: { type: string; value: string }[] }> {
  expect(res.headers.get("content-type")).toBe("application/json");
  return (await res.json()) as { code: string; message: string; details?: { type: string; value: string }[] };
}

describe("a Connect unary call", () => {
  it("decodes with the generated codec, runs through the middleware, and answers the encoded reply", async () => {
    let got: unknown;
    impl["checkNetworks"] = async (req) => ((got = req), {});
    impl["getStatus"] = async () => GetStatusResponse.fromPartial({ ready: true, reasons: ["r"] });
    const check = await post("CheckNetworks", CheckNetworksRequest.encode({ containerId: "c1" }).finish());
    expect(check.status).toBe(200);
    expect(got).toEqual({ containerId: "c1" });
    const status = await post("GetStatus");
    expect(status.headers.get("content-type")).toBe("application/proto");
    expect(GetStatusResponse.decode(new Uint8Array(await status.arrayBuffer()))).toMatchObject({
      ready: true,
      reasons: ["r"],
    });
    expect(middlewareSaw).toEqual([
      "/netattach.v1.AttachmentService/CheckNetworks",
      "/netattach.v1.AttachmentService/GetStatus",
    ]);
  });

  it("sends a ServerError as Connect JSON: code name, HTTP status, message, ErrorInfo detail unpadded", async () => {
    const info = ErrorInfo.fromPartial({ reason: "NOT_READY", domain: "netattach.dev", metadata: { cniCode: "11" } });
    impl["attachNetworks"] = async () => {
      throw new RichServerError(Status.UNAVAILABLE, "not ready: café", [info]);
    };
    const res = await post("AttachNetworks");
    expect(res.status).toBe(503);
    const err = await errorOf(res);
    expect(err).toMatchObject({
      code: "unavailable",
      message: "not ready: café",
      details: [{ type: "google.rpc.ErrorInfo" }],
    });
    expect(err.details?.[0]?.value).not.toMatch(/=$/);
    expect(ErrorInfo.decode(Buffer.from(err.details?.[0]?.value ?? "", "base64"))).toEqual(info);
  });

  it.each<[Status, string, number]>([
    [Status.CANCELLED, "canceled", 499],
    [Status.INVALID_ARGUMENT, "invalid_argument", 400],
    [Status.NOT_FOUND, "not_found", 404],
    [Status.FAILED_PRECONDITION, "failed_precondition", 400],
    [Status.RESOURCE_EXHAUSTED, "resource_exhausted", 429],
    [Status.INTERNAL, "internal", 500],
  ])("status %i is %s with HTTP %i", async (status, code, http) => {
    impl["detachNetworks"] = async () => {
      throw new ServerError(status, "m");
    };
    const res = await post("DetachNetworks");
    expect(res.status).toBe(http);
    expect(await errorOf(res)).toEqual({ code, message: "m" });
  });

  it("an error that is not a ServerError is reported as nice-grpc reports it over gRPC", async () => {
    impl["getStatus"] = async () => {
      throw new Error("secret detail");
    };
    const res = await post("GetStatus");
    expect(await errorOf(res)).toEqual({ code: "unknown", message: "Unknown server error occurred" });
  });
});

describe("requests that are not a call", () => {
  it.each<[string, () => Promise<Response>, number, string, string]>([
    [
      "an unknown method",
      () => post("Frobnicate"),
      404,
      "unimplemented",
      "no unary method /netattach.v1.AttachmentService/Frobnicate",
    ],
    [
      "GET",
      () => fetch(`${base}/netattach.v1.AttachmentService/GetStatus`),
      405,
      "unimplemented",
      "takes POST, not GET",
    ],
    [
      "JSON",
      () => post("GetStatus", new Uint8Array(), { "content-type": "application/json" }),
      415,
      "unimplemented",
      "send application/proto",
    ],
    [
      "another protocol version",
      () => post("GetStatus", new Uint8Array(), { ...PROTO, "connect-protocol-version": "2" }),
      400,
      "invalid_argument",
      "connect-protocol-version",
    ],
    [
      "a malformed timeout",
      () => post("GetStatus", new Uint8Array(), { ...PROTO, "connect-timeout-ms": "-5" }),
      400,
      "invalid_argument",
      "connect-timeout-ms",
    ],
    [
      "a compressed body",
      () => post("GetStatus", new Uint8Array(), { ...PROTO, "content-encoding": "gzip" }),
      501,
      "unimplemented",
      "content-encoding gzip",
    ],
    [
      "a body over the message limit",
      () => post("CheckNetworks", new Uint8Array(1_001)),
      400,
      "invalid_argument",
      "request message of 1001 bytes: over limits.maxMessageBytes (1000)",
    ],
    [
      "a body that does not decode",
      () => post("CheckNetworks", new Uint8Array([0xff, 0xff, 0xff])),
      400,
      "invalid_argument",
      "cannot decode the request of /netattach.v1.AttachmentService/CheckNetworks",
    ],
  ])(
    "%s is refused, naming what was wrong; the implementation is not called",
    async (_what, send, http, code, mention) => {
      let called = false;
      for (const k of Object.keys(impl)) impl[k] = async () => ((called = true), {});
      const res = await send();
      expect(res.status).toBe(http);
      const err = await errorOf(res);
      expect(err.code).toBe(code);
      expect(err.message).toContain(mention);
      expect(called).toBe(false);
    },
  );
});

it("a body over the message limit is the catalog's LIMIT_EXCEEDED, naming the config key", async () => {
  const err = await errorOf(await post("CheckNetworks", new Uint8Array(1_001)));
  const info = ErrorInfo.decode(Buffer.from(err.details?.[0]?.value ?? "", "base64"));
  expect(info).toMatchObject({
    reason: "LIMIT_EXCEEDED",
    domain: "netattach.dev",
    metadata: { cniCode: "7", limit: "limits.maxMessageBytes" },
  });
});

describe("deadlines, cancellation and shutdown", () => {
  /** An implementation that never answers and records its signal. */
  function hanging(): { aborted: () => boolean } {
    let signal: AbortSignal | undefined;
    impl["attachNetworks"] = (_req, ctx) => {
      signal = ctx.signal;
      return new Promise(() => undefined);
    };
    return { aborted: () => signal?.aborted ?? false };
  }

  it("answers deadline_exceeded at Connect-Timeout-Ms and aborts the call's signal", async () => {
    const call = hanging();
    const started = Date.now();
    const res = await post("AttachNetworks", new Uint8Array(), { ...PROTO, "connect-timeout-ms": "150" });
    expect(res.status).toBe(504);
    expect((await errorOf(res)).code).toBe("deadline_exceeded");
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(call.aborted()).toBe(true);
  });

  it("a Connect-Timeout-Ms longer than a timer can wait (10 digits, up to 115 days) is no deadline yet, not one that passed", async () => {
    // Node fires a timer of more than 2^31-1 ms at once; the fake timers do the same.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let entered!: (signal: AbortSignal) => void;
      const called = new Promise<AbortSignal>((resolve) => (entered = resolve));
      impl["getStatus"] = async (_req, ctx) => (entered(ctx.signal), await gate, {});
      const res = post("GetStatus", new Uint8Array(), { ...PROTO, "connect-timeout-ms": "9999999999" });
      const signal = await called;
      vi.advanceTimersByTime(60_000);
      expect(signal.aborted).toBe(false);
      release();
      expect((await res).status).toBe(200);
    } finally {
      vi.useRealTimers();
    }
  });

  it("puts the instant of Connect-Timeout-Ms in the metadata (the domain budgets by it); a client's own value never gets through", async () => {
    const seen: Array<number | undefined> = [];
    impl["getStatus"] = async (_req, ctx) => (seen.push(callerDeadline(ctx.metadata)), {});
    const forged = { ...PROTO, "netattach-caller-deadline-ms": "1" };
    const before = performance.now(); // instants are monotonic (call-deadline.ts)
    await post("GetStatus", new Uint8Array(), { ...forged, "connect-timeout-ms": "5000" });
    await post("GetStatus", new Uint8Array(), forged);
    expect(seen[0]).toBeGreaterThanOrEqual(Math.floor(before + 5000));
    expect(seen[0]).toBeLessThanOrEqual(performance.now() + 5000);
    expect(seen[1]).toBeUndefined();
  });

  it("a client that goes away cancels the call", async () => {
    const call = hanging();
    const abort = new AbortController();
    const pending = fetch(`${base}/netattach.v1.AttachmentService/AttachNetworks`, {
      method: "POST",
      headers: PROTO,
      body: new Uint8Array(),
      signal: abort.signal,
    }).catch(() => undefined);
    await expect.poll(() => middlewareSaw.length).toBe(1);
    abort.abort();
    await pending;
    await expect.poll(call.aborted).toBe(true);
  });

  it("while draining, new calls are refused as unavailable and every response closes its connection", async () => {
    handler.drain();
    const res = await post("GetStatus");
    expect(res.status).toBe(503);
    expect(res.headers.get("connection")).toBe("close");
    expect(await errorOf(res)).toMatchObject({ code: "unavailable", message: "netattachd is shutting down" });
  });

  it("cancelAll aborts the calls in flight", async () => {
    const call = hanging();
    void post("AttachNetworks").catch(() => undefined);
    await expect.poll(() => middlewareSaw.length).toBe(1);
    handler.cancelAll();
    expect(call.aborted()).toBe(true);
  });
});
