// The container runtime's own list of pod sandboxes, over its CRI socket (containerd's CRI
// plugin, CRI-O): the reconciler's truth. The one file that speaks CRI; the channel is kept
// between passes and made again after a failure.
import { existsSync } from "node:fs";
import { createChannel, createClient, type Channel } from "nice-grpc";
import { RuntimeServiceDefinition, type RuntimeServiceClient } from "../../../proto/gen/runtime/v1/api.js";

export type SandboxList =
  | {
      readonly ok: true;
      readonly ids: ReadonlySet<string>;
      /** "containerd 1.6.20 at unix:///…" */ readonly runtime: string;
    }
  /** absent: no socket at the path (no runtime on this machine, or not up yet). */
  | { readonly ok: false; readonly absent: boolean; readonly why: string };

export interface CriSandboxes {
  list(signal: AbortSignal): Promise<SandboxList>;
  close(): void;
}

export function createCriSandboxes(socketPath: string, opts: { timeoutMs?: number } = {}): CriSandboxes {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const address = `unix://${socketPath}`;
  let conn: { channel: Channel; client: RuntimeServiceClient; runtime?: string } | undefined;
  const close = (): void => {
    conn?.channel.close();
    conn = undefined;
  };
  return {
    async list(signal) {
      if (!existsSync(socketPath)) {
        close();
        return { ok: false, absent: true, why: `no container runtime socket at ${socketPath}` };
      }
      if (conn === undefined) {
        const channel = createChannel(address);
        conn = { channel, client: createClient(RuntimeServiceDefinition, channel) };
      }
      const call = { signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) };
      try {
        if (conn.runtime === undefined) {
          const v = await conn.client.version({ version: "v1" }, call);
          conn.runtime = `${v.runtimeName} ${v.runtimeVersion}`.trim();
        }
        const res = await conn.client.listPodSandbox({}, call);
        return { ok: true, ids: new Set(res.items.map((s) => s.id)), runtime: `${conn.runtime} at ${address}` };
      } catch (err) {
        close();
        return {
          ok: false,
          absent: false,
          why: `CRI ListPodSandbox at ${address} failed: ${err instanceof Error ? err.message : String(err)}`,
        };
      }
    },
    close,
  };
}
