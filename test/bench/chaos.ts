// Chaos benchmark (not a test; root): attach/detach cycles of a pod with a cluster network (real
// bridge) and two secondaries (real macvlan and ptp), netattachd SIGKILLed at a random point of a
// quarter of them and restarted at once, the caller retrying like containerd (ADD once, then DEL
// until it works, then DEL with an empty netns until it works). Prints what is left: the goal is 0
// in every row. A short version runs in CI (test/e2e/chaos.test.ts).
//
//   npm run bench:chaos -- [--cycles 300] [--kill-share 0.25] [--daemon bundle|tsx] [--seed 1] [--max-kill-delay-ms 600]
//
// --daemon bundle (default) runs build/netattachd.mjs, as the DaemonSet does (`npm run build` first).
import { availableParallelism, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { runChaos } from "../helpers/chaos-world.js";

const { values } = parseArgs({
  options: {
    cycles: { type: "string" },
    "kill-share": { type: "string" },
    daemon: { type: "string" },
    seed: { type: "string" },
    "max-kill-delay-ms": { type: "string" },
  },
});
if (process.getuid?.() !== 0)
  throw new Error("run as root: every cycle creates a network namespace and real interfaces");
const daemon = values.daemon ?? "bundle";
if (daemon !== "bundle" && daemon !== "tsx") throw new Error("--daemon is bundle or tsx");
const cycles = Number(values.cycles ?? 300);
const killShare = Number(values["kill-share"] ?? 0.25);
const seed = Number(values.seed ?? 1);
const maxKillDelayMs = Number(values["max-kill-delay-ms"] ?? 600);

const counts = await runChaos({
  cycles,
  killShare,
  daemon,
  seed,
  maxKillDelayMs,
  onCycle: (i) => {
    if ((i + 1) % 25 === 0) process.stderr.write(`  ${i + 1}/${cycles} cycles\n`);
  },
});

const row = (what: string, n: number): string => `${what.padEnd(44)}${String(n).padStart(6)}`;
console.log(
  `\nchaos: ${counts.cycles} cycles, daemon ${daemon}, seed ${seed}, kills at 0–${maxKillDelayMs} ms into a cycle; node ${process.version}, ${availableParallelism()} CPUs, load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`,
);
console.log(row("daemon SIGKILLs (then restarted)", counts.kills));
console.log(row("ADDs that failed (daemon killed or down)", counts.addFailed));
console.log(row("DELs retried (daemon down)", counts.delRetries));
console.log(`${"duration".padEnd(44)}${(counts.durationMs / 1000).toFixed(1).padStart(6)} s`);
console.log("\nleft behind (goal: 0 each)");
console.log(row("pod network namespaces", counts.leaked.netns));
console.log(row("host veths (bridge and ptp ends)", counts.leaked.hostVeths));
console.log(row("macvlan links on the master", counts.leaked.macvlanLinks));
console.log(row("addresses reserved (host-local files)", counts.leaked.addresses));
console.log(row("state files (attachments, orphans)", counts.leaked.stateFiles));
console.log(row("temp files (state and result cache)", counts.leaked.tempFiles));
console.log(row("plugin processes still running", counts.leaked.pluginProcesses));
for (const d of counts.details) console.log(`  ${d}`);
const total = Object.values(counts.leaked).reduce((a, b) => a + b, 0);
console.log(`\n${total === 0 ? "nothing left: goal met" : `${total} left: goal NOT met`}`);
