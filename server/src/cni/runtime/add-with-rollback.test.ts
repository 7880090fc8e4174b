import { afterEach, describe, expect, it } from "vitest";
import { addNetworkListWithRollback, type RollbackOutcome } from "./add-with-rollback.js";
import { pluginFailure } from "./fake-plugin-exec.test-helper.js";
import { list, RT, setup, cleanupSetups } from "./runtime-setup.test-helper.js";

afterEach(cleanupSetups);

describe("addNetworkListWithRollback", () => {
  it("DELs the whole list in reverse after a failed ADD and rethrows the ADD error", async () => {
    const { runtime, exec } = setup({
      a: {},
      b: { reply: (c) => (c.command === "ADD" ? { error: pluginFailure("b", "ADD", 110, "nope") } : undefined) },
    });
    const outcomes: RollbackOutcome[] = [];
    await expect(
      addNetworkListWithRollback(runtime, list("1.0.0", [{ type: "a" }, { type: "b" }]), RT, {
        onRollback: (o) => outcomes.push(o),
      }),
    ).rejects.toMatchObject({ code: 110, plugin: "b" });
    expect(exec.trace()).toEqual(["ADD a", "ADD b", "DEL b", "DEL a"]);
    expect(outcomes).toEqual([{}]);
  });

  it("reports a failed rollback but still throws the ADD error", async () => {
    const { runtime } = setup({
      a: {
        reply: (c) =>
          c.command === "VERSION"
            ? undefined
            : { error: pluginFailure("a", c.command, c.command === "ADD" ? 120 : 121, "x") },
      },
    });
    const outcomes: RollbackOutcome[] = [];
    await expect(
      addNetworkListWithRollback(runtime, list("1.0.0", [{ type: "a" }]), RT, { onRollback: (o) => outcomes.push(o) }),
    ).rejects.toMatchObject({ code: 120 });
    expect(outcomes[0]!.delError).toMatchObject({ code: 121 });
  });
});
