// The suite's leak guard (vitest globalSetup). The run gets its own TMPDIR, inherited by every test
// worker and everything they start (daemons, plugins, containerd); afterwards that directory must
// be empty and the host must hold nothing the run added: no netns, mount, cgroup, link, route,
// policy rule, iptables chain or rule, libcni cache file or process, beyond the plugins' shared
// iptables chains.
// A node component's tests that leave state behind would hide the leaks the product must not have.
//
// In CI (a fresh machine, nothing else running) a leftover fails the run. Elsewhere the host is
// shared with whatever else runs on it, so the list is printed as a warning only.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { hostState, leftovers, type Allowed, type RunMarks } from "./host-leftovers.js";
import { inCi } from "./root.js";

/** How long processes may take to exit after the last test file (a SIGTERMed daemon's drain). */
const SETTLE_MS = 10_000;

export async function setup(): Promise<() => Promise<void>> {
  const outerTmp = process.env.TMPDIR;
  // Short: daemons' and containerd's unix sockets live below it (108 bytes per path).
  const marks: RunMarks = { runner: process.pid, runDir: await mkdtemp(join(tmpdir(), "na-run-")) };
  const allow: Allowed = {
    // tsx's compile cache, made by the first test that runs a TypeScript entry through tsx.
    tempCaches: [join(marks.runDir, `tsx-${process.getuid?.() ?? 0}`)],
  };
  const before = await hostState(marks);
  process.env.TMPDIR = marks.runDir;
  return async () => {
    let left: string[];
    try {
      left = leftovers(before, await hostState(marks), allow);
      for (const deadline = Date.now() + SETTLE_MS; left.length > 0 && Date.now() < deadline;) {
        await sleep(250);
        left = leftovers(before, await hostState(marks), allow);
      }
    } catch (err) {
      // An unchecked run must not pass as a clean one.
      left = [`(the host could not be read: ${err instanceof Error ? err.message : String(err)})`];
    } finally {
      if (outerTmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = outerTmp;
      await rm(marks.runDir, { recursive: true, force: true });
    }
    if (left.length === 0) return;
    const shown = left.slice(0, 40).map((l) => `  ${l}`);
    if (left.length > shown.length) shown.push(`  … and ${left.length - shown.length} more`);
    process.stderr.write(
      `\n${inCi ? "HOST LEAK" : "host leak guard (a warning outside CI)"}: the run left ${left.length} thing(s) behind:\n${shown.join("\n")}\n`,
    );
    // vitest only logs a teardown's exception; the exit code is what CI reads.
    if (inCi) process.exitCode = 1;
  };
}
