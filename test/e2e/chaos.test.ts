// The chaos benchmark's short version (test/bench/chaos.ts has the full one): cycles of a pod with
// a bridge cluster network, macvlan and ptp, the daemon SIGKILLed at a random point of every
// fourth cycle and restarted, the caller retrying like containerd. Nothing may be left.
import { expect, it } from "vitest";
import { runChaos } from "../helpers/chaos-world.js";
import { describeRoot } from "../helpers/root.js";

describeRoot("chaos: SIGKILLed daemon, containerd-like caller", () => {
  it(
    "12 cycles, 3 kills: no netns, links, addresses, state, temp files or plugin processes left",
    { timeout: 240_000 },
    async () => {
      const counts = await runChaos({
        cycles: 12,
        killShare: 0.25,
        daemon: "tsx",
        seed: Date.now() % 100_000,
        maxKillDelayMs: 600,
      });
      expect(counts.kills).toBe(3);
      expect(counts.details).toEqual([]);
      expect(counts.leaked).toEqual({
        netns: 0,
        hostVeths: 0,
        macvlanLinks: 0,
        addresses: 0,
        stateFiles: 0,
        tempFiles: 0,
        pluginProcesses: 0,
      });
    },
  );
});
