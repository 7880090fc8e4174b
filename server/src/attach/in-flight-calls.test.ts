import pino from "pino";
import { describe, expect, it } from "vitest";
import { DaemonError } from "../errors/daemon-error.js";
import type { AttachmentService, CallContext } from "./contract.js";
import { trackInFlightCalls } from "./in-flight-calls.js";

const log = pino({ level: "silent" });

/** A service whose detach waits for its signal, then fails as a cancelled DEL does. */
function cancellable(): AttachmentService {
  return {
    detach: async (_req: unknown, ctx: CallContext) => {
      if (!ctx.signal.aborted) await new Promise((r) => ctx.signal.addEventListener("abort", r, { once: true }));
      throw new DaemonError("DETACH_INCOMPLETE", "container c1: 1 of 1 delegates were not deleted", { phase: "del" });
    },
  } as unknown as AttachmentService;
}

describe("trackInFlightCalls", () => {
  it("cancel() aborts the calls running and any started later; their errors say why, code and context kept", async () => {
    const calls = trackInFlightCalls(cancellable());
    const first = calls.service.detach({ containerId: "c1" }, { signal: new AbortController().signal, log });
    expect(calls.running()).toBe(1);
    calls.cancel("netattachd is stopping");
    const later = calls.service.detach({ containerId: "c1" }, { signal: new AbortController().signal, log });
    for (const p of [first, later])
      await expect(p).rejects.toMatchObject({
        code: "DETACH_INCOMPLETE",
        message: "netattachd is stopping: container c1: 1 of 1 delegates were not deleted",
        context: { phase: "del" },
      });
    expect(calls.running()).toBe(0);
  });

  it("idle() resolves at once with no call, else once the last call has ended", async () => {
    const calls = trackInFlightCalls(cancellable());
    await calls.idle();
    const caller = new AbortController();
    const call = calls.service.detach({ containerId: "c1" }, { signal: caller.signal, log }).catch(() => undefined);
    let idle = false;
    const waiting = calls.idle().then(() => (idle = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(idle).toBe(false);
    caller.abort();
    await Promise.all([call, waiting]);
    expect(idle).toBe(true);
  });

  it("an error of a call its own caller cancelled is unchanged", async () => {
    const calls = trackInFlightCalls(cancellable());
    const caller = new AbortController();
    const call = calls.service.detach({ containerId: "c1" }, { signal: caller.signal, log });
    caller.abort();
    await expect(call).rejects.toMatchObject({ message: "container c1: 1 of 1 delegates were not deleted" });
  });
});
