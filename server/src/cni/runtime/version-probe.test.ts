import { describe, expect, it } from "vitest";
import type { ExecRequest, PluginExec } from "../invoke/types.js";
import { createVersionProbe, decodeVersionInfo } from "./version-probe.js";

function deferredExec(): { exec: PluginExec; calls: ExecRequest[]; answer: () => void } {
  const calls: ExecRequest[] = [];
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  return {
    calls,
    answer: () => release(),
    exec: {
      findInPath: async (t) => `/bin/${t}`,
      async exec(req) {
        calls.push(req);
        await gate;
        return Buffer.from('{"cniVersion":"1.1.0","supportedVersions":["1.0.0"]}');
      },
    },
  };
}

describe("createVersionProbe", () => {
  it("shares one VERSION run; an aborted caller stops waiting without spoiling it for others", async () => {
    const { exec, calls, answer } = deferredExec();
    const probe = createVersionProbe({ exec, binDirs: ["/bin"], timeoutMs: 1000, fileKey: async () => "k" });
    const ac = new AbortController();
    const a = probe.probe("/bin/x", "x", { signal: ac.signal });
    const b = probe.probe("/bin/x", "x");
    await Promise.resolve();
    ac.abort();
    await expect(a).rejects.toMatchObject({ kind: "aborted", command: "VERSION" });
    answer();
    await expect(b).resolves.toEqual({ ok: true, info: { cniVersion: "1.1.0", supportedVersions: ["1.0.0"] } });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.signal).toBeUndefined();
  });

  it("a caller whose time runs out stops waiting (a timeout) while the shared run goes on; a known answer costs no wait", async () => {
    const { exec, calls, answer } = deferredExec();
    const probe = createVersionProbe({ exec, binDirs: ["/bin"], timeoutMs: 1000, fileKey: async () => "k" });
    const a = probe.probe("/bin/x", "x", {}, () => 30);
    const b = probe.probe("/bin/x", "x");
    await expect(a).rejects.toMatchObject({
      kind: "timeout",
      command: "VERSION",
      msg: `plugin "x" VERSION gave no answer in the 30 ms left before the call's deadline`,
    });
    answer();
    await expect(b).resolves.toMatchObject({ ok: true });
    const asked: number[] = [];
    await expect(probe.probe("/bin/x", "x", {}, () => (asked.push(0), 0))).resolves.toMatchObject({ ok: true });
    expect(asked).toEqual([]);
    expect(calls.map((c) => c.timeoutMs)).toEqual([1000]);
  });

  it("asks again when the file changes", async () => {
    const { exec, calls, answer } = deferredExec();
    answer();
    let key = "v1";
    const probe = createVersionProbe({ exec, binDirs: ["/bin"], timeoutMs: 1000, fileKey: async () => key });
    await probe.probe("/bin/x", "x");
    await probe.probe("/bin/x", "x");
    key = "v2";
    await probe.probe("/bin/x", "x");
    expect(calls).toHaveLength(2);
  });
});

describe("decodeVersionInfo", () => {
  it("treats a 0.2.0 answer without supportedVersions as 0.1.0 + 0.2.0", () => {
    expect(decodeVersionInfo(Buffer.from('{"cniVersion":"0.2.0"}'), "p")).toEqual({
      cniVersion: "0.2.0",
      supportedVersions: ["0.1.0", "0.2.0"],
    });
  });

  it.each(["", "{}", '{"cniVersion":"1.0.0"}', '{"cniVersion":"1.0.0","supportedVersions":[1]}'])(
    "rejects %j as bad-output",
    (text) => {
      expect(() => decodeVersionInfo(Buffer.from(text), "p")).toThrow(
        expect.objectContaining({ kind: "bad-output", plugin: "p" }),
      );
    },
  );
});
