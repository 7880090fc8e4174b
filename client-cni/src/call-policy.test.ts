import { ClientError, Status } from "nice-grpc-common";
import { ErrorInfo, RichClientError } from "nice-grpc-error-details";
import { describe, expect, it } from "vitest";
import { callDaemon, type Clock } from "./call-policy.js";
import { NotSentError, SocketConnectError } from "./transport/socket-connect-error.js";
import { ERROR_DOMAIN } from "../../server/src/wire/index.js";
import { createLogger } from "./logger.js";
import { parseShimConf } from "./shim-conf.js";

function fakeClock(): Clock & { slept: number[] } {
  let t = 0;
  const slept: number[] = [];
  // random() = 1: the top of each jitter range, i.e. the undamped doubling.
  return { slept, now: () => t, sleep: async (ms) => void (slept.push(ms), (t += ms)), random: () => 1 };
}

const PATH = "/netattach.v1.AttachmentService/AttachNetworks";
const log = createLogger(
  () => undefined,
  "silent",
  () => 0,
);
const conf = (extra = "") =>
  parseShimConf(`{"cniVersion":"1.0.0","name":"n","socketPath":"/run/na.sock","readinessTimeoutMs":1000${extra}}`);
const errno = (code: string) => Object.assign(new Error(`connect ${code} /run/na.sock`), { code });
const refused = () => new SocketConnectError(PATH, errno("ECONNREFUSED"));
const rich = (code: Status, reason: string, message: string) =>
  new RichClientError(PATH, code, message, [
    ErrorInfo.fromPartial({ reason, domain: ERROR_DOMAIN, metadata: { cniCode: "11" } }),
  ]);
const notReady = () => rich(Status.UNAVAILABLE, "NOT_READY", "netattachd is starting: kube informers not synced");

/** A call that fails with each of `outcomes` in turn (the last one repeats), counting attempts. */
function scripted<T>(
  outcomes: Array<T | Error>,
): ((o: { deadline: Date }) => Promise<T>) & { attempts: number; deadlines: number[] } {
  const fn = Object.assign(
    async (o: { deadline: Date }): Promise<T> => {
      fn.deadlines.push(o.deadline.getTime());
      const next = outcomes[Math.min(fn.attempts++, outcomes.length - 1)] as T | Error;
      if (next instanceof Error) throw next;
      return next;
    },
    { attempts: 0, deadlines: [] as number[] },
  );
  return fn;
}

describe("ADD", () => {
  it("calls once when the daemon takes the call: no readiness probe on the way", async () => {
    const call = scripted(["attached"]);
    await expect(callDaemon("ADD", conf(), fakeClock(), log, call)).resolves.toBe("attached");
    expect(call.attempts).toBe(1);
  });

  it("retries a missing socket, a refused connection and NOT_READY with growing backoff", async () => {
    const clock = fakeClock();
    const call = scripted([new SocketConnectError(PATH, errno("ENOENT")), refused(), notReady(), "attached"]);
    await expect(callDaemon("ADD", conf(), clock, log, call)).resolves.toBe("attached");
    expect(call.attempts).toBe(4);
    expect(clock.slept).toEqual([25, 50, 100]);
  });

  it("gives up within readinessTimeoutMs with code 11 naming the socket and the last reason", async () => {
    const clock = fakeClock();
    const call = scripted<string>([notReady()]);
    const err = await callDaemon("ADD", conf(), clock, log, call).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 11,
      msg: "netattachd at /run/na.sock is not ready after 1000 ms",
      details: expect.stringContaining("kube informers not synced"),
    });
    expect(clock.now()).toBeLessThanOrEqual(1000);
    expect(clock.slept).toEqual([25, 50, 100, 200, 250, 250]);
  });

  it.each([
    [
      "an error with a CNI code",
      rich(Status.UNAVAILABLE, "KUBE_API_UNAVAILABLE", "API server unreachable"),
      11,
      "API server unreachable",
    ],
    ["UNIMPLEMENTED", new ClientError(PATH, Status.UNIMPLEMENTED, "unknown method"), 999, "unknown method"],
    [
      "a socket it may not open",
      new SocketConnectError(PATH, errno("EACCES")),
      7,
      'cannot use "socketPath" "/run/na.sock": permission denied (the shim must run as the socket\'s owner, root); ADD was not done',
    ],
    [
      "a deadline (the daemon may be working on it)",
      new ClientError(PATH, Status.DEADLINE_EXCEEDED, "Deadline exceeded"),
      11,
      "netattachd at /run/na.sock was reached, but the ADD ended without an answer; the daemon rolls back an ADD it could not finish (at its next start if it died), the runtime should DEL and retry",
    ],
  ])("does not retry %s", async (_what, error, code, msg) => {
    const clock = fakeClock();
    const call = scripted<string>([error]);
    await expect(callDaemon("ADD", conf(), clock, log, call)).rejects.toMatchObject({
      code,
      msg: expect.stringContaining(msg),
    });
    expect(call.attempts).toBe(1);
    expect(clock.slept).toEqual([]);
  });

  it("readinessTimeoutMs 0 means one attempt, no wait", async () => {
    const call = scripted<string>([refused()]);
    const noWait = parseShimConf('{"cniVersion":"1.0.0","readinessTimeoutMs":0}');
    await expect(callDaemon("ADD", noWait, fakeClock(), log, call)).rejects.toMatchObject({
      code: 11,
      msg: expect.stringContaining("not ready after 0 ms"),
      details: expect.stringMatching(/^1 attempt; last: /),
    });
    expect(call.attempts).toBe(1);
  });

  it("every attempt has the command's one deadline, callTimeoutMs from its start: waiting does not extend it", async () => {
    const call = scripted([refused(), refused(), notReady(), "ok"]);
    await callDaemon("ADD", conf(',"callTimeoutMs":5000'), fakeClock(), log, call);
    expect(call.deadlines).toEqual([5000, 5000, 5000, 5000]);
  });

  it("waits for readiness no longer than callTimeoutMs when readinessTimeoutMs is longer", async () => {
    const clock = fakeClock();
    const call = scripted<string>([refused()]);
    const err = await callDaemon("ADD", conf(',"callTimeoutMs":600'), clock, log, call).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 11, msg: "netattachd at /run/na.sock is not ready after 600 ms" });
    expect(clock.now()).toBeLessThanOrEqual(600);
    expect(new Set(call.deadlines)).toEqual(new Set([600]));
  });
});

describe("a call that was sent but got no answer is told apart from a daemon that could not be reached", () => {
  const REACHED = "netattachd at /run/na.sock was reached, but the";
  it.each([
    [
      "ADD",
      "503 without ErrorInfo",
      new ClientError(PATH, Status.UNAVAILABLE, "Received HTTP status 503 without a Connect error"),
    ],
    ["ADD", "a dropped connection", new ClientError(PATH, Status.UNAVAILABLE, "Connection dropped: socket hang up")],
    ["ADD", "a cancelled call", new ClientError(PATH, Status.CANCELLED, "cancelled")],
  ] as const)(
    "%s after %s: code 11, rolled back by the daemon, never 'not reachable'",
    async (command, _what, error) => {
      const err = await callDaemon(command, conf(), fakeClock(), log, scripted<string>([error])).catch(
        (e: unknown) => e,
      );
      expect(err).toMatchObject({
        code: 11,
        msg: `${REACHED} ADD ended without an answer; the daemon rolls back an ADD it could not finish (at its next start if it died), the runtime should DEL and retry`,
        details: `${Status[error.code]}: ${error.details}`,
      });
    },
  );

  it.each(["ADD", "DEL"] as const)(
    "%s whose deadline passed before it was sent says it was not sent, never that the daemon was reached",
    async (command) => {
      const err = await callDaemon(command, conf(), fakeClock(), log, scripted<string>([new NotSentError(PATH)])).catch(
        (e: unknown) => e,
      );
      expect(err).toMatchObject({
        code: 11,
        msg: `the ${command} to netattachd at /run/na.sock was not sent: its deadline (callTimeoutMs) had passed; ${command} was not done, the runtime should retry`,
        details: "DEADLINE_EXCEEDED: Deadline exceeded before the call was sent",
      });
    },
  );

  it.each([
    ["DEL", 11, `${REACHED} DEL ended without an answer; the DEL may be unfinished, the runtime should retry`],
    ["CHECK", 11, `${REACHED} CHECK ended without an answer; the runtime should retry`],
    ["GC", 11, `${REACHED} GC ended without an answer; the runtime should retry`],
    ["STATUS", 50, `${REACHED} STATUS ended without an answer`],
  ] as const)("%s past its deadline is code %i: %s", async (command, code, msg) => {
    const deadline = new ClientError(PATH, Status.DEADLINE_EXCEEDED, "Deadline exceeded");
    const err = await callDaemon(command, conf(), fakeClock(), log, scripted<string>([deadline])).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code, msg, details: "DEADLINE_EXCEEDED: Deadline exceeded" });
  });
});

describe("a socketPath no retry can fix is a config error (code 7) naming it, without retry advice", () => {
  it.each([
    ["ENOTSOCK", "not a socket"],
    ["ENOTDIR", "a component of the path is not a directory"],
    ["ELOOP", "too many symbolic links (a loop)"],
    ["ENAMETOOLONG", "longer than a unix socket path may be (107 bytes)"],
    ["EACCES", "permission denied (the shim must run as the socket's owner, root)"],
    ["EPERM", "permission denied (the shim must run as the socket's owner, root)"],
  ])("%s: %s", async (code, what) => {
    for (const command of ["ADD", "DEL", "CHECK", "GC"] as const) {
      const clock = fakeClock();
      const call = scripted<string>([new SocketConnectError(PATH, errno(code))]);
      const err = await callDaemon(command, conf(), clock, log, call).catch((e: unknown) => e);
      expect(err).toMatchObject({
        code: 7,
        msg: `cannot use "socketPath" "/run/na.sock": ${what}; ${command} was not done`,
        details: `UNAVAILABLE: No connection established. Last error: Error: connect ${code} /run/na.sock`,
      });
      expect(call.attempts).toBe(1);
      expect(clock.slept).toEqual([]);
    }
    const status = await callDaemon(
      "STATUS",
      conf(),
      fakeClock(),
      log,
      scripted<string>([new SocketConnectError(PATH, errno(code))]),
    ).catch((e: unknown) => e);
    expect(status).toMatchObject({ code: 50, msg: `cannot use "socketPath" "/run/na.sock": ${what}` });
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
    const call = scripted<string>([refused()]);
    const err = await callDaemon(command, conf(), clock, log, call).catch((e: unknown) => e);
    expect(err).toMatchObject({ code, msg: expect.stringContaining("/run/na.sock") });
    expect(call.attempts).toBe(1);
    expect(clock.slept).toEqual([]);
  });

  it("DEL against a daemon that is not ready fails at once with code 11", async () => {
    const call = scripted<string>([notReady()]);
    await expect(callDaemon("DEL", conf(), fakeClock(), log, call)).rejects.toMatchObject({ code: 11 });
    expect(call.attempts).toBe(1);
  });

  it("every call gets a deadline callTimeoutMs ahead", async () => {
    const call = scripted(["ok"]);
    await callDaemon("DEL", conf(',"callTimeoutMs":5000'), fakeClock(), log, call);
    expect(call.deadlines).toEqual([5000]);
  });
});
