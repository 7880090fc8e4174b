// VERSION of each plugin binary, asked once and remembered while the file is unchanged
// (inode, size, mtime), so negotiation costs one stat per invocation, not one exec.
import { statSync } from "node:fs";
import type { VersionInfo } from "../spec/types.js";
import type { InvokeOptions, PluginExec } from "../invoke/types.js";
import { CniError, CniErrorCode } from "../spec/errors.js";
import { CURRENT_VERSION } from "../spec/version.js";
import { buildCniEnv } from "../invoke/cni-env.js";

export type ProbeOutcome =
  { readonly ok: true; readonly info: VersionInfo } | { readonly ok: false; readonly error: CniError };

export interface VersionProbe {
  /**
   * Timeouts and aborts reject; a plugin that fails or answers nonsense is a cached `ok: false`.
   * `maxWaitMs`, asked only when no answer is known yet, bounds this caller's wait (a timeout after
   * it; it throws to not wait at all): the shared run goes on for others.
   */
  probe(path: string, pluginType: string, opts?: InvokeOptions, maxWaitMs?: () => number): Promise<ProbeOutcome>;
}

export interface VersionProbeOptions {
  readonly exec: PluginExec;
  readonly binDirs: readonly string[];
  readonly path?: string;
  readonly timeoutMs: number;
  /** Identity of the file behind `path`; changes when the binary is replaced. */
  readonly fileKey?: (path: string) => Promise<string>;
}

export function createVersionProbe(o: VersionProbeOptions): VersionProbe {
  const fileKey = o.fileKey ?? statKey;
  const cache = new Map<string, { key: string; outcome: Promise<ProbeOutcome>; known?: ProbeOutcome }>();
  // Shared by concurrent callers, so it runs without any one caller's signal (the deadline
  // still bounds it); each caller stops waiting when its own signal fires.
  const run = async (path: string, pluginType: string, timeoutMs: number): Promise<ProbeOutcome> => {
    // Dummy NETNS/IFNAME like libcni: plugins built on an old skel demand them for VERSION.
    const env = buildCniEnv({
      command: "VERSION",
      netns: "dummy",
      ifName: "dummy",
      binDirs: o.binDirs,
      ...(o.path !== undefined ? { path: o.path } : {}),
    });
    try {
      const out = await o.exec.exec({
        path,
        pluginType,
        command: "VERSION",
        stdin: Buffer.from(JSON.stringify({ cniVersion: CURRENT_VERSION })),
        env,
        timeoutMs,
      });
      return { ok: true, info: decodeVersionInfo(out, pluginType) };
    } catch (err) {
      if (err instanceof CniError && err.kind !== "timeout" && err.kind !== "aborted") return { ok: false, error: err };
      throw err;
    }
  };
  return {
    async probe(path, pluginType, opts, maxWaitMs) {
      const key = await fileKey(path);
      const cached = cache.get(path);
      let hit = cached?.key === key ? cached : undefined;
      if (hit?.known !== undefined && opts?.signal?.aborted !== true) return hit.known;
      // Before a run starts: with no time left, none does.
      const waitMs = maxWaitMs?.();
      const runMs = opts?.pluginTimeoutMs ?? o.timeoutMs;
      if (hit === undefined) {
        const outcome = run(path, pluginType, runMs);
        const entry: { key: string; outcome: Promise<ProbeOutcome>; known?: ProbeOutcome } = { key, outcome };
        hit = entry;
        cache.set(path, entry);
        // Transient failures (timeouts) are not remembered: the next call asks again.
        outcome.then(
          (known) => (entry.known = known),
          () => {
            if (cache.get(path)?.outcome === outcome) cache.delete(path);
          },
        );
      }
      return waitFor(
        hit.outcome,
        pluginType,
        opts?.signal,
        waitMs !== undefined && waitMs < runMs ? waitMs : undefined,
      );
    },
  };
}

/** `p`, unless `signal` fires or `waitMs` passes first (the run goes on for whoever else waits). */
function waitFor<T>(
  p: Promise<T>,
  pluginType: string,
  signal: AbortSignal | undefined,
  waitMs: number | undefined,
): Promise<T> {
  if (signal === undefined && waitMs === undefined) return p;
  const aborted = (): CniError =>
    new CniError({
      kind: "aborted",
      code: CniErrorCode.TryAgainLater,
      msg: `plugin "${pluginType}" VERSION was aborted by the caller`,
      plugin: pluginType,
      command: "VERSION",
      cause: signal?.reason,
    });
  if (signal?.aborted === true) return Promise.reject(aborted());
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(aborted());
    signal?.addEventListener("abort", onAbort, { once: true });
    const timer =
      waitMs === undefined
        ? undefined
        : setTimeout(
            () =>
              reject(
                new CniError({
                  kind: "timeout",
                  code: CniErrorCode.TryAgainLater,
                  msg: `plugin "${pluginType}" VERSION gave no answer in the ${waitMs} ms left before the call's deadline`,
                  plugin: pluginType,
                  command: "VERSION",
                }),
              ),
            waitMs,
          );
    p.then(resolve, reject).finally(() => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    });
  });
}

/** Synchronous: microseconds on a local bin dir, and on every invocation. */
async function statKey(path: string): Promise<string> {
  try {
    const st = statSync(path, { bigint: true });
    return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}`;
  } catch {
    return "";
  }
}

/** libcni version.PluginDecoder: cniVersion required; no supportedVersions means 0.1.0/0.2.0. */
export function decodeVersionInfo(out: Buffer, pluginType: string): VersionInfo {
  const bad = (why: string): CniError =>
    new CniError({
      kind: "bad-output",
      code: CniErrorCode.DecodeFailure,
      msg: `decoding version info: ${why}`,
      plugin: pluginType,
      command: "VERSION",
    });
  let v: unknown;
  try {
    v = JSON.parse(out.toString("utf8"));
  } catch (err) {
    throw bad(`not JSON: ${(err as Error).message}`);
  }
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw bad("not a JSON object");
  const { cniVersion, supportedVersions } = v as Record<string, unknown>;
  if (typeof cniVersion !== "string" || cniVersion === "") throw bad("missing field cniVersion");
  if (supportedVersions === undefined || (Array.isArray(supportedVersions) && supportedVersions.length === 0)) {
    if (cniVersion === "0.2.0") return { cniVersion, supportedVersions: ["0.1.0", "0.2.0"] };
    throw bad("missing field supportedVersions");
  }
  if (!Array.isArray(supportedVersions) || !supportedVersions.every((s) => typeof s === "string"))
    throw bad("supportedVersions is not a list of strings");
  return { cniVersion, supportedVersions: supportedVersions as string[] };
}
