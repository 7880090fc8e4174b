import { defineConfig } from "vitest/config";

// Three projects: unit (pure, beside their modules), integration (real processes and
// sockets, no root), e2e (root: real netns, real CNI plugins, real containerd).
export default defineConfig({
  test: {
    // Whatever the run leaves on the host (temp files, netns, links, iptables, processes) fails it
    // in CI: test/helpers/host-leak-guard.ts.
    globalSetup: ["test/helpers/host-leak-guard.ts"],
    projects: [
      {
        test: {
          name: "unit",
          include: [
            "server/src/**/*.test.ts",
            "client-cni/src/**/*.test.ts",
            "tools/src/**/*.test.ts",
            "test/meta/**/*.test.ts",
          ],
          testTimeout: 10_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // Root tests share host-level state (iptables, /var/run/netns): one file at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
