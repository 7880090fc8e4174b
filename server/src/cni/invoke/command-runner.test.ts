import { describe, expect, it } from "vitest";
import { CniError } from "../spec/errors.js";
import { commandRunner } from "./command-runner.js";
import { SPAWNER_FAILED } from "./spawner/spawner-launch.js";
import type { ExecRequest, PluginExec } from "./types.js";

/** A PluginExec whose runs answer from `outcomes` in turn. */
function fakeExec(outcomes: Array<Buffer | Error>, entersNetns = false): PluginExec & { runs: ExecRequest[] } {
  const runs: ExecRequest[] = [];
  return {
    runs,
    entersNetns,
    findInPath: async (type, dirs) => `${dirs[0]}/${type}`,
    exec: async (req) => {
      runs.push(req);
      const next = outcomes.shift();
      if (next === undefined || next instanceof Error) throw next ?? new Error("no more outcomes");
      return next;
    },
  };
}

const spawnerDeath = (): CniError =>
  new CniError({
    kind: "exec",
    code: 999,
    msg: "failed to execute /usr/bin/nsenter: netattach-spawner was killed by SIGKILL",
    cause: Object.assign(new Error("netattach-spawner was killed by SIGKILL"), { code: SPAWNER_FAILED }),
  });

describe("commandRunner", () => {
  it("passes the arguments and the search path, and answers stdout", async () => {
    const exec = fakeExec([Buffer.from("[]")]);
    const run = commandRunner(exec, "/usr/sbin:/usr/bin");
    expect(await run("ip", ["-j", "link", "show"], {})).toBe("[]");
    expect(exec.runs[0]).toMatchObject({
      path: "/usr/sbin/ip",
      args: ["-j", "link", "show"],
      env: { PATH: "/usr/sbin:/usr/bin" },
    });
  });

  it("runs a command in a netns by the exec's own means when it has them, else through nsenter", async () => {
    const spawner = fakeExec([Buffer.from("[]")], true);
    await commandRunner(spawner, "/usr/sbin")("ip", ["-j", "link", "show"], { netns: "/proc/1/fd/9" });
    expect(spawner.runs[0]).toMatchObject({
      path: "/usr/sbin/ip",
      args: ["-j", "link", "show"],
      netns: "/proc/1/fd/9",
    });

    const forking = fakeExec([Buffer.from("[]")]);
    await commandRunner(forking, "/usr/sbin")("ip", ["-j", "link", "show"], { netns: "/proc/1/fd/9" });
    expect(forking.runs[0]).toMatchObject({
      path: "/usr/sbin/nsenter",
      args: ["--net=/proc/1/fd/9", "ip", "-j", "link", "show"],
    });
    expect(forking.runs[0]).not.toHaveProperty("netns");
  });

  it("runs a command again once when the spawner died under it (a new one starts), not for its own failure", async () => {
    const exec = fakeExec([spawnerDeath(), Buffer.from("ok")]);
    expect(await commandRunner(exec, "/usr/bin")("ip", ["link"], { netns: "/x" })).toBe("ok");
    expect(exec.runs).toHaveLength(2);

    const failing = fakeExec([new CniError({ kind: "plugin-failed", code: 1, msg: "exit 1" }), Buffer.from("never")]);
    await expect(commandRunner(failing, "/usr/bin")("ip", ["link", "del", "x"], {})).rejects.toThrow(
      "ip link del x failed: exit 1",
    );
    expect(failing.runs).toHaveLength(1);
  });
});
