import { describe, expect, it } from "vitest";
import { createRouteEditor, type RunCommand } from "./route-editor.js";

function recorder(stdout = ""): RunCommand & { calls: string[] } {
  const calls: string[] = [];
  const run = Object.assign(
    async (file: string, args: readonly string[], opts: { netns?: string }) => {
      calls.push(`${[file, ...args].join(" ")} in ${opts.netns}`);
      return stdout;
    },
    { calls },
  );
  return run;
}

describe("route editor", () => {
  it("runs ip in the netns given by path, so paths outside /var/run/netns work", async () => {
    const run = recorder(
      JSON.stringify([
        { dst: "default", gateway: "10.0.0.1", dev: "eth0", metric: 100 },
        { dst: "default", dev: "net1" },
      ]),
    );
    const routes = await createRouteEditor(run).listDefaultRoutes("/proc/1234/ns/net", 4);
    expect(run.calls).toEqual(["ip -4 -j route show default in /proc/1234/ns/net"]);
    expect(routes).toEqual([{ dev: "eth0", gateway: "10.0.0.1", metric: 100 }, { dev: "net1" }]);
  });

  it("treats empty output as no routes", async () => {
    expect(await createRouteEditor(recorder("")).listDefaultRoutes("/ns", 6)).toEqual([]);
  });

  it("deletes exactly the route it was given and replaces the default route", async () => {
    const run = recorder();
    const editor = createRouteEditor(run);
    await editor.deleteDefaultRoute("/ns", 6, { dev: "eth0", gateway: "fe80::1", metric: 1024 });
    await editor.replaceDefaultRoute("/ns", 4, "net1", "10.5.0.1");
    // IPv4-mapped is IPv4 (ipFamily); `ip -4` takes it only in IPv4 notation.
    await editor.replaceDefaultRoute("/ns", 4, "net1", "::ffff:10.5.0.1");
    expect(run.calls).toEqual([
      "ip -6 route del default via fe80::1 dev eth0 metric 1024 in /ns",
      "ip -4 route replace default via 10.5.0.1 dev net1 in /ns",
      "ip -4 route replace default via 10.5.0.1 dev net1 in /ns",
    ]);
  });
});
