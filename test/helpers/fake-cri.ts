// A stand-in container runtime for the reconciler's tests (no root, no containerd): the CRI
// RuntimeService subset netattachd reads (Version, ListPodSandbox) over a real gRPC server on a
// unix socket. Tests set which sandboxes exist, or make it fail.
import { createServer, ServerError, Status, type Server } from "nice-grpc";
import { RuntimeServiceDefinition } from "../../proto/gen/runtime/v1/api.js";

export interface FakeCri {
  readonly socketPath: string;
  /** Sandbox ids the runtime lists. */
  readonly sandboxes: Set<string>;
  /** When set, ListPodSandbox fails with UNAVAILABLE and this message. */
  failing: string | undefined;
  /** ListPodSandbox calls answered. */
  lists: number;
  stop(): Promise<void>;
}

const unimplemented = async (): Promise<never> => {
  throw new ServerError(Status.UNIMPLEMENTED, "fake-cri serves only Version and ListPodSandbox");
};

export async function startFakeCri(socketPath: string): Promise<FakeCri> {
  const server: Server = createServer();
  const cri: FakeCri = {
    socketPath,
    sandboxes: new Set(),
    failing: undefined,
    lists: 0,
    stop: () => server.shutdown(),
  };
  server.add(RuntimeServiceDefinition, {
    version: async () => ({
      version: "0.1.0",
      runtimeName: "fake-cri",
      runtimeVersion: "1.0",
      runtimeApiVersion: "v1",
    }),
    listPodSandbox: async () => {
      if (cri.failing !== undefined) throw new ServerError(Status.UNAVAILABLE, cri.failing);
      cri.lists++;
      return {
        items: [...cri.sandboxes].map((id) => ({
          id,
          metadata: { name: id, uid: `uid-${id}`, namespace: "default", attempt: 0 },
        })),
      };
    },
    // The sandbox lifecycle is the kubelet's business, never the reconciler's.
    runPodSandbox: unimplemented,
    stopPodSandbox: unimplemented,
    removePodSandbox: unimplemented,
    podSandboxStatus: unimplemented,
    status: unimplemented,
  });
  await server.listen(`unix://${socketPath}`);
  return cri;
}
