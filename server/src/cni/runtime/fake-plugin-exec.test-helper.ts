// A scripted PluginExec for unit tests (libcni invoke/fakes): records every call with its
// env and parsed stdin, and replies per plugin type and command.
import type { JsonObject } from "../spec/types.js";
import type { ExecRequest, PluginExec } from "../invoke/types.js";
import { CniError, CniErrorCode } from "../spec/errors.js";
import { ALL_VERSIONS } from "../spec/version.js";

export interface FakeCall {
  readonly path: string;
  readonly pluginType: string;
  readonly command: string;
  readonly env: Readonly<Record<string, string>>;
  readonly stdin: JsonObject;
  readonly timeoutMs: number;
}

/** What a plugin does: print something (object → JSON), or fail. */
export type FakeReply =
  | { readonly stdout?: string | Buffer | object; readonly stderr?: string }
  | { readonly error: Error; readonly stderr?: string };

export interface FakePlugin {
  readonly supportedVersions?: readonly string[];
  readonly reply?: (call: FakeCall) => FakeReply | undefined;
}

export interface FakePluginExec extends PluginExec {
  readonly calls: FakeCall[];
  /** Calls other than VERSION probes, as "COMMAND type". */
  trace(): string[];
}

export const FAKE_BIN = "/fake/bin";

export function createFakePluginExec(plugins: Readonly<Record<string, FakePlugin>>): FakePluginExec {
  const calls: FakeCall[] = [];
  return {
    calls,
    trace: () => calls.filter((c) => c.command !== "VERSION").map((c) => `${c.command} ${c.pluginType}`),
    async findInPath(type, dirs) {
      if (plugins[type] === undefined) {
        throw new CniError({
          kind: "plugin-not-found",
          code: CniErrorCode.InvalidNetworkConfig,
          msg: `failed to find plugin "${type}" in path [${dirs.join(" ")}]`,
          plugin: type,
        });
      }
      return `${FAKE_BIN}/${type}`;
    },
    async exec(req: ExecRequest) {
      const call: FakeCall = {
        path: req.path,
        pluginType: req.pluginType,
        command: req.command,
        env: req.env,
        stdin: JSON.parse(req.stdin.toString()) as JsonObject,
        timeoutMs: req.timeoutMs,
      };
      calls.push(call);
      const plugin = plugins[req.pluginType] ?? {};
      const reply = plugin.reply?.(call) ?? defaultReply(call, plugin);
      if (reply.stderr !== undefined) req.onStderr?.(reply.stderr);
      if ("error" in reply) throw reply.error;
      const out = reply.stdout;
      if (Buffer.isBuffer(out)) return out;
      return Buffer.from(out === undefined ? "" : typeof out === "string" ? out : JSON.stringify(out));
    },
  };
}

function defaultReply(call: FakeCall, plugin: FakePlugin): FakeReply {
  if (call.command === "VERSION")
    return {
      stdout: { cniVersion: call.stdin.cniVersion, supportedVersions: plugin.supportedVersions ?? ALL_VERSIONS },
    };
  if (call.command !== "ADD") return {};
  return {
    stdout:
      call.stdin.prevResult ??
      sampleResult(String(call.stdin.cniVersion), call.env.CNI_IFNAME ?? "eth0", undefined, call.env.CNI_NETNS),
  };
}

/** A minimal valid result of `version` (one interface, one IPv4 address). */
export function sampleResult(
  version: string,
  ifName = "eth0",
  address = "10.1.2.3/24",
  sandbox = "/run/netns/ctr1",
): JsonObject {
  if (version === "0.1.0" || version === "0.2.0") return { cniVersion: version, ip4: { ip: address } };
  const ip = { address, interface: 0 };
  return {
    cniVersion: version,
    interfaces: [{ name: ifName, sandbox }],
    ips: [version.startsWith("0.") ? { version: "4", ...ip } : ip],
  };
}

/** A plugin error as the real exec would raise it. */
export function pluginFailure(type: string, command: string, code: number, msg: string): CniError {
  return new CniError({ kind: "plugin-failed", code, msg, plugin: type, command });
}
