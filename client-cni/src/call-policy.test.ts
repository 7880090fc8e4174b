import { ClientError, Status } from "nice-grpc-common";
import { describe, expect, it } from "vitest";
import { callDaemon, type Clock } from "./call-policy.js";
import type { DaemonClient } from "./daemon-client.js";
import { createLogger } from "./logger.js";
import { parseShimConf } from "./shim-conf.js";

function fakeClock(): Clock & { slept: number[] } {
  let t = 0;
  const slept: number[] = [];
  return { slept, now: () => t, sleep: async (ms) => void (slept.push(ms), (t += ms)) };
}

const log = createLogger(() => undefined, "silent", () => 0);
const conf = (extra = "") => parseShimConf(`{"cniVersion":"1.0.0","name":"n","socketPath":"/run/na.sock","readinessTimeoutMs":1000${extra}}`);
const unavailable = () => new ClientError("/netattach.v1.AttachmentService/GetStatus", Status.UNAVAILABLE, "No connection established");

function client(statuses: Array<{ ready: boolean; reasons: string[] } | Error>): DaemonClient & { probes: number } {
  const c = {
    probes: 0,
    getStatus: async () => {
      const next = statuses[Math.min(c.probes++, statuses.length - 1)];
      if (next instanceof Error) throw next;
      return next;
    },
  };
  return c as unknown as DaemonClient & { probes: number };
}

describe("ADD readiness", () => {
  it("retries unreachable and not-ready with growing backoff, then calls", async () => {
    const clock = fakeClock();
    const c = client([unavailable(), { ready: false, reasons: ["syncing"] }, { ready: true, reasons: [] }]);
    await expect(callDaemon("ADD", c, conf(), clock, log, async () => "attached")).resolves.toBe("attached");
    expect(c.probes).toBe(3);
    expect(clock.slept).toEqual([25, 50]);
  });

  it("gives up within readinessTimeoutMs with code 11 naming the socket and the last reason", async () => {
    const clock = fakeClock();
    const c = client([{ ready: false, reasons: ["kube informers not synced"] }]);
    const err = await callDaemon("ADD", c, conf(), clock, log, async () => "never").catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 11, msg: "netattachd at /run/na.sock is not ready after 1000 ms", details: expect.stringContaining("kube informers not synced") });
    expect(clock.now()).toBeLessThanOrEqual(1000);
  });

  it("does not wait on an error that waiting cannot fix", async () => {
    const clock = fakeClock();
    const c = client([new ClientError("/x", Status.UNIMPLEMENTED, "unknown method")]);
    const err = await callDaemon("ADD", c, conf(), clock, log, async () => "never").catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 999 });
    expect(clock.slept).toEqual([]);
  });

  it("readinessTimeoutMs 0 means one probe, no wait", async () => {
    const c = client([unavailable()]);
    const noWait = parseShimConf('{"cniVersion":"1.0.0","readinessTimeoutMs":0}');
    await expect(callDaemon("ADD", c, noWait, fakeClock(), log, async () => "x")).rejects.toMatchObject({ code: 11 });
    expect(c.probes).toBe(1);
  });
});

describe("the other commands never wait", () => {
  it.each([
    ["DEL", 11],
    ["CHECK", 11],
    ["GC", 11],
    ["STATUS", 50],
  ] as const)("%s against an unreachable daemon is code %i at once", async (command, code) => {
    const clock = fakeClock();
    const c = client([{ ready: true, reasons: [] }]);
    const err = await callDaemon(command, c, conf(), clock, log, async () => {
      throw unavailable();
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code, msg: expect.stringContaining("/run/na.sock") });
    expect(c.probes).toBe(0);
    expect(clock.slept).toEqual([]);
  });

  it("every call gets a deadline callTimeoutMs ahead", async () => {
    let deadline: Date | undefined;
    await callDaemon("DEL", client([]), conf(',"callTimeoutMs":5000'), fakeClock(), log, async (o) => (deadline = o.deadline));
    expect(deadline?.getTime()).toBe(5000);
  });
});
