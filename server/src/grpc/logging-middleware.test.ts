// The per-call log line of a failure: one line, warn for expected catalog reasons (no stack),
// error only for INTERNAL; the line names reason, network, pod and message.
import { Writable } from "node:stream";
import { composeServerMiddleware, type CallContext, type ServerMiddlewareCall } from "nice-grpc-common";
import { describe, expect, it } from "vitest";
import { DaemonError } from "../errors/daemon-error.js";
import { createLogger } from "../log/create-logger.js";
import type { LogContext } from "./attachment-service.js";
import { errorMiddleware } from "./error-middleware.js";
import { loggingMiddleware } from "./logging-middleware.js";

type Line = Record<string, unknown> & { level: number; msg: string };

async function failedCall(thrown: unknown): Promise<Line[]> {
  const lines: Line[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString("utf8").split("\n")) if (l.trim()) lines.push(JSON.parse(l) as Line);
      done();
    },
  });
  const mw = composeServerMiddleware(loggingMiddleware(createLogger({ level: "info", destination })), errorMiddleware);
  const call = {
    method: {
      path: "/netattach.v1.AttachmentService/AttachNetworks",
      requestStream: false,
      responseStream: false,
      options: {},
    },
    requestStream: false,
    responseStream: false,
    request: { containerId: "c1", pod: { namespace: "default", name: "web" } },
    // eslint-disable-next-line require-yield
    next: async function* () {
      throw thrown;
    },
  } as unknown as ServerMiddlewareCall<unknown, unknown, LogContext>;
  await expect(mw(call, {} as CallContext).next()).rejects.toBeDefined();
  return lines;
}

describe("loggingMiddleware", () => {
  it("logs an expected failure as one warn line with reason, network, pod and message, without a stack", async () => {
    const lines = await failedCall(
      new DaemonError("NETWORK_NOT_FOUND", "network default/nope not found", {
        network: "default/nope",
        phase: "resolve",
      }),
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 40,
      msg: "call failed",
      rpc: "AttachNetworks",
      code: "NOT_FOUND",
      reason: "NETWORK_NOT_FOUND",
      network: "default/nope",
      podNamespace: "default",
      podName: "web",
      containerId: "c1",
      message: "network default/nope not found",
    });
    expect(JSON.stringify(lines)).not.toContain("stack");
  });

  it("keeps a plugin's own failure (CNI code 999, status UNKNOWN) at warn: the plugin failed, not netattachd", async () => {
    const lines = await failedCall(
      new DaemonError("PLUGIN_FAILED", 'plugin "ipvlan" failed', {
        network: "default/ipvlan-conf",
        plugin: "ipvlan",
        cniCode: 999,
      }),
    );
    expect(lines.map((l) => [l.level, l.code, l.reason])).toEqual([[40, "UNKNOWN", "PLUGIN_FAILED"]]);
  });

  it("logs a bug of ours at error: the stack once (unexpected error), then the call line", async () => {
    const lines = await failedCall(new TypeError("x is undefined"));
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [50, "unexpected error"],
      [50, "call failed"],
    ]);
    expect((lines[0]?.err as { stack?: string }).stack).toContain("TypeError: x is undefined");
    expect(lines[1]).toMatchObject({ reason: "INTERNAL" });
    expect(lines[1]).not.toHaveProperty("err");
  });
});
