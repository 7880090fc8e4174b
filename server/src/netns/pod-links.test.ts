import { describe, expect, it } from "vitest";
import { createPodLinks } from "./pod-links.js";

const listing = JSON.stringify([
  { ifname: "lo", address: "00:00:00:00:00:00" },
  { ifname: "eth0", address: "02:00:00:00:00:01", altnames: ["uplink0"] },
]);

describe("createPodLinks", () => {
  it("names every link of the netns by its name and altnames, listed once by ip in the netns", async () => {
    const runs: string[] = [];
    const links = createPodLinks(
      async (file, args, opts) => (runs.push(`${[file, ...args].join(" ")} in ${opts.netns}`), listing),
    );
    expect([...(await links.names("/proc/1/fd/7"))]).toEqual(["lo", "eth0", "uplink0"]);
    expect(runs).toEqual(["ip -j link show in /proc/1/fd/7"]);
    // An altname is no link of its own: what it names is found (and removed) by the link's name.
    expect([...(await links.macs("/proc/1/fd/7")).keys()]).toEqual(["lo", "eth0"]);
  });

  it("lists through the spawner's lister when there is one (no ip exec); removing a link still runs ip", async () => {
    const runs: string[] = [];
    const listed: string[] = [];
    const links = createPodLinks(
      async (file, args, opts) => (runs.push(`${[file, ...args].join(" ")} in ${opts.netns}`), ""),
      async (netns) => (listed.push(netns), listing),
    );
    expect([...(await links.names("/proc/1/fd/7"))]).toEqual(["lo", "eth0", "uplink0"]);
    expect(await links.remove("/proc/1/fd/7", "eth0")).toBe("removed");
    expect(listed).toEqual(["/proc/1/fd/7", "/proc/1/fd/7"]);
    expect(runs).toEqual(["ip link del dev eth0 in /proc/1/fd/7"]);
  });
});
