// netattachd composed in the test's own process on a containerd node's socket and state (so its log
// lines and events can be read), standing in for the node's daemon: node.dispose() and containerd's
// graceful stop DEL through it.
import { join } from "node:path";
import { composeDaemon } from "../../../server/src/compose-daemon.js";
import { DEFAULTS, type DaemonConfig } from "../../../server/src/config/index.js";
import type { AttachmentEvent } from "../../../server/src/events/attachment-event.js";
import { loadDescriptorSet } from "../../../server/src/grpc/descriptor-set.js";
import { createDaemonClient, type DaemonClient } from "../../../tools/src/daemon-client.js";
import { CNI_BIN_DIRS } from "../cni-bin.js";
import { createLogSink, type LogLine } from "../daemon.js";
import type { NetattachNode } from "./netattach-node.js";

export interface InProcessDaemon {
  readonly client: DaemonClient;
  readonly lines: LogLine[];
  readonly events: AttachmentEvent[];
  stop(): Promise<void>;
}

/** Started on `node` with its cluster network and dirs, debug logging, and `extra` over them; `onStop` runs once it stopped. */
export async function startInProcessDaemon(
  node: NetattachNode,
  extra: Partial<DaemonConfig> = {},
  onStop: () => void = () => undefined,
): Promise<InProcessDaemon> {
  const sink = createLogSink();
  const events: AttachmentEvent[] = [];
  const config: DaemonConfig = {
    ...DEFAULTS,
    socketPath: node.socketPath,
    stateDir: node.stateDir,
    cniConfDir: node.confDir,
    definitionsDir: join(node.dir, "definitions"),
    clusterNetwork: node.net.cluster,
    cniBinDirs: CNI_BIN_DIRS,
    defaultNamespace: "default",
    logLevel: "debug",
    ...extra,
  };
  const daemon = await composeDaemon({
    config,
    log: sink.log,
    descriptorSet: await loadDescriptorSet(),
    events: { emit: (e) => void events.push(e) },
    ...(process.env.PATH ? { pluginPath: process.env.PATH } : {}),
  });
  await daemon.start();
  const client = createDaemonClient(node.socketPath);
  const stop = async (): Promise<void> => {
    client.close();
    await daemon.stop();
    node.daemon = undefined;
    onStop();
  };
  node.daemon = {
    pid: process.pid,
    client: client.api,
    log: async () => sink.lines.map((l) => JSON.stringify(l)).join("\n"),
    stop,
  };
  return { client, lines: sink.lines, events, stop };
}
