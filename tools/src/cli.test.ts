import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { runCli } from "./cli.js";
import { ExitCode, UsageError, type Command, type CommandContext } from "./command.js";
import { RpcFailureError } from "./daemon/rpc-failure.js";

function collector(): { write(s: string): void; text: () => string } {
  let buf = "";
  return { write: (s: string) => void (buf += s), text: () => buf };
}

function fakeCommand(run: (ctx: CommandContext) => Promise<ExitCode>): Command {
  return { name: "fake", summary: "a fake command", usage: "Usage: netattachctl fake\n", run };
}

async function cli(argv: string[], commands?: readonly Command[]) {
  const stdout = collector();
  const stderr = collector();
  const code = await runCli({ argv, env: {}, stdout, stderr, cwd: "/tmp", ...(commands ? { commands } : {}) });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

describe("runCli", () => {
  it("lists the commands on --help and exits 0", async () => {
    const r = await cli(["--help"]);
    expect(r.code).toBe(ExitCode.Ok);
    expect(r.stdout).toMatch(
      /^Usage: netattachctl <command> \[options\]\n {7}\(--socket PATH, -o FORMAT and --timeout DURATION may also stand before the command\)\n/,
    );
    expect(r.stdout).toMatch(/^ {2}cni {2}/m);
  });

  it("exits 2 with the usage when no command is given", async () => {
    const r = await cli([]);
    expect(r.code).toBe(ExitCode.Usage);
    expect(r.stdout).toContain("Commands:");
  });

  it("exits 2 on an unknown command and names it on stderr", async () => {
    const r = await cli(["frobnicate"]);
    expect(r.code).toBe(ExitCode.Usage);
    expect(r.stderr).toContain('unknown command "frobnicate"');
    expect(r.stdout).toBe("");
  });

  it.each(["json", "yaml"])("with -o %s an unknown command is the error document on stdout, exit 2", async (format) => {
    const r = await cli(["-o", format, "frobnicate"]);
    expect(r.code).toBe(ExitCode.Usage);
    expect(r.stderr).toBe("");
    const doc = (format === "json" ? JSON.parse(r.stdout) : parseYaml(r.stdout)) as unknown;
    expect(doc).toEqual({ error: { code: "USAGE", message: 'unknown command "frobnicate"', metadata: {} } });
  });

  it("prints a command's usage for `help <command>`", async () => {
    const r = await cli(["help", "fake"], [fakeCommand(async () => ExitCode.Ok)]);
    expect(r.code).toBe(ExitCode.Ok);
    expect(r.stdout).toBe("Usage: netattachctl fake\n");
  });

  it("passes the remaining argv, env and cwd to the command and returns its exit code", async () => {
    let seen: CommandContext | undefined;
    const r = await cli(["fake", "a", "--b"], [fakeCommand(async (ctx) => ((seen = ctx), ExitCode.Failed))]);
    expect(r.code).toBe(ExitCode.Failed);
    expect(seen?.argv).toEqual(["a", "--b"]);
    expect(seen?.cwd).toBe("/tmp");
  });

  it("maps a UsageError to exit 2 with the message on stderr", async () => {
    const r = await cli(["fake"], [fakeCommand(async () => Promise.reject(new UsageError("missing thing")))]);
    expect(r.code).toBe(ExitCode.Usage);
    expect(r.stderr).toContain("netattachctl fake: missing thing");
  });

  it("hoists global flags given before the command into its arguments", async () => {
    let seen: CommandContext | undefined;
    const r = await cli(
      ["--socket", "/s", "-ojson", "fake", "x", "--timeout=1s"],
      [fakeCommand(async (ctx) => ((seen = ctx), ExitCode.Ok))],
    );
    expect(r.code).toBe(ExitCode.Ok);
    expect(seen?.argv).toEqual(["--socket", "/s", "-ojson", "x", "--timeout=1s"]);
  });

  it("prints a failure once, as JSON on stdout with -o json wherever -o stands", async () => {
    const r = await cli(
      ["-o", "json", "fake"],
      [fakeCommand(async () => Promise.reject(new UsageError("missing thing")))],
    );
    expect(r).toEqual({
      code: ExitCode.Usage,
      stdout: '{\n  "error": {\n    "code": "USAGE",\n    "message": "missing thing",\n    "metadata": {}\n  }\n}\n',
      stderr: "",
    });
    const y = await cli(["fake", "--output=yaml"], [fakeCommand(async () => Promise.reject(new Error("boom")))]);
    expect(y).toEqual({
      code: ExitCode.Failed,
      stdout: "error:\n  code: FAILED\n  message: boom\n  metadata: {}\n",
      stderr: "",
    });
  });

  it("maps any other error to exit 1", async () => {
    const r = await cli(["fake"], [fakeCommand(async () => Promise.reject(new Error("boom")))]);
    expect(r.code).toBe(ExitCode.Failed);
    expect(r.stderr).toContain("netattachctl fake: boom");
  });

  it("writes the daemon's text with its control characters made visible: no escape sequence reaches the terminal", async () => {
    // What a pod annotation, a network definition or a plugin's stderr can put in a name or a message.
    const hostile = "pod\x1b]0;owned\x07\x1b[2J\rhidden\u009b31m\u202eevil";
    const shown = "pod\\u001b]0;owned\\u0007\\u001b[2J\\u000dhidden\\u009b31m\\u202eevil";
    const r = await cli(
      ["fake"],
      [
        fakeCommand(async (ctx) => {
          ctx.stdout.write(`NAME\n${hostile}\tok\n`);
          throw new RpcFailureError({
            code: "FAILED_PRECONDITION",
            reason: "PLUGIN_FAILED",
            message: hostile,
            metadata: { network: hostile, stderr: "line1\n\x1b[2Jline2" },
          });
        }),
      ],
    );
    expect(r.code).toBe(ExitCode.Failed);
    expect(r.stdout).toBe(`NAME\n${shown}\tok\n`);
    expect(r.stderr).toBe(
      `netattachctl fake: FAILED_PRECONDITION PLUGIN_FAILED: ${shown}\n  network: ${shown}\n  plugin stderr:\n    line1\n    \\u001b[2Jline2\n`,
    );
    // JSON escapes C0 controls but not C1 ones or bidi overrides: those are escaped as JSON itself
    // would, so the documents read back the same.
    for (const format of ["json", "yaml"]) {
      const s = await cli(["-o", format, "fake"], [fakeCommand(async () => Promise.reject(new Error(hostile)))]);
      expect(s.stdout).not.toMatch(/[\u0080-\u009f\u202e]/u);
      const doc = (format === "json" ? JSON.parse(s.stdout) : parseYaml(s.stdout)) as unknown;
      expect(doc).toEqual({ error: { code: "FAILED", message: hostile, metadata: {} } });
    }
  });
});
