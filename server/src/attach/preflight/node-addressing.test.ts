import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { commandRunner, createSpawnExec } from "../../cni/index.js";
import { nodeAddressHolder, nodeUse, readNodeAddressing, type NodeAddressing } from "./node-addressing.js";

/** br0 (the node's address) has bond0 as a port, bond0 has eth0; eth1.100 (an address) sits on eth1; eth2 is free. */
const node: NodeAddressing = {
  links: [
    { name: "lo", addresses: ["127.0.0.1/8", "::1/128"] },
    { name: "br0", addresses: ["192.0.2.2/24", "2001:db8::2/64"] },
    { name: "bond0", addresses: [], master: "br0" },
    { name: "eth0", addresses: [], master: "bond0" },
    { name: "eth1", addresses: [] },
    { name: "eth1.100", addresses: ["198.51.100.7/24"], lower: "eth1" },
    { name: "eth2", addresses: [] },
    { name: "eth3", addresses: [] },
  ],
  defaultRouteLinks: ["eth3"],
};

describe("node addressing", () => {
  it("says why a link is the node's: its addresses, its default route, its master's, a link stacked on it", () => {
    expect(nodeUse("br0", node)).toBe("holds the node's address 192.0.2.2/24, 2001:db8::2/64");
    expect(nodeUse("eth3", node)).toBe("holds the node's default route");
    expect(nodeUse("eth0", node)).toBe(
      "is a port of bond0, which is a port of br0, which holds the node's address 192.0.2.2/24, 2001:db8::2/64",
    );
    expect(nodeUse("eth1", node)).toBe("carries eth1.100, which holds the node's address 198.51.100.7/24");
    expect(nodeUse("eth2", node)).toBeUndefined();
    expect(nodeUse("absent", node)).toBeUndefined();
  });

  it("finds the link holding an address, whatever the prefix or spelling", () => {
    expect(nodeAddressHolder("192.0.2.2/32", node)).toEqual({ link: "br0", address: "192.0.2.2/24" });
    expect(nodeAddressHolder("2001:DB8:0::2", node)).toEqual({ link: "br0", address: "2001:db8::2/64" });
    expect(nodeAddressHolder("192.0.2.3/24", node)).toBeUndefined();
    // The plugins configure an IPv4-mapped address as the IPv4 address.
    expect(nodeAddressHolder("::ffff:192.0.2.2/120", node)).toEqual({ link: "br0", address: "192.0.2.2/24" });
  });

  it("reads ip -j: addresses without IPv6 link-local, masters, lower links, Ethernet MACs, default routes and their nexthops", async () => {
    const out: Record<string, unknown> = {
      "-j addr show": [
        {
          ifname: "eth0",
          master: "br0",
          link_type: "ether",
          address: "52:54:00:12:34:56",
          addr_info: [{ family: "inet6", local: "fe80::1", prefixlen: 64, scope: "link" }],
        },
        { ifname: "br0", addr_info: [{ family: "inet", local: "192.0.2.2", prefixlen: 24, scope: "global" }] },
        { ifname: "lo", link_type: "loopback", address: "00:00:00:00:00:00", addr_info: [] },
        { ifname: "vlan7", link: "eth1", addr_info: [] },
      ],
      "-j -4 route show default": [{ dst: "default", gateway: "192.0.2.1", dev: "br0" }],
      "-j -6 route show default": [{ dst: "default", nexthops: [{ dev: "eth5" }, { dev: "eth6" }] }],
    };
    const run = async (file: string, args: readonly string[]) => {
      expect(file).toBe("ip");
      return JSON.stringify(out[args.join(" ")]);
    };
    expect(await readNodeAddressing(run)).toEqual({
      links: [
        { name: "eth0", addresses: [], master: "br0", mac: "52:54:00:12:34:56" },
        { name: "br0", addresses: ["192.0.2.2/24"] },
        { name: "lo", addresses: [] },
        { name: "vlan7", addresses: [], lower: "eth1" },
      ],
      defaultRouteLinks: ["br0", "eth5", "eth6"],
    });
  });

  it("fails NODE_UNREADABLE naming the command whose output is not JSON (an iproute2 without -j)", async () => {
    const run = async (_file: string, args: readonly string[]) =>
      args.includes("-6") ? 'Option "-j" is unknown' : "[]";
    const err = await readNodeAddressing(run).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "NODE_UNREADABLE", context: { phase: "preflight" } });
    expect((err as Error).message).toMatch(
      /^the node's networking cannot be read: ip -j -6 route show default: its output is not JSON \(an iproute2 without -j\?\): .+; the preflight cannot tell what the node uses, so nothing ran$/,
    );
  });

  it("fails NODE_UNREADABLE naming the command when ip itself fails, and passes a cancel on as it is", async () => {
    const failing = async (_file: string, args: readonly string[]) => {
      if (args.includes("-4"))
        throw new Error("ip -j -4 route show default failed (exit 255): Cannot open netlink socket");
      return "[]";
    };
    const err = await readNodeAddressing(failing).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "NODE_UNREADABLE", context: { phase: "preflight" } });
    expect((err as Error).message).toBe(
      "the node's networking cannot be read: ip -j -4 route show default: failed (exit 255): Cannot open netlink socket; the preflight cannot tell what the node uses, so nothing ran",
    );
    const cancel = new AbortController();
    const aborted = new Error("The operation was aborted");
    cancel.abort();
    const rejected = await readNodeAddressing(() => Promise.reject(aborted), cancel.signal).catch((e: unknown) => e);
    expect(rejected).toBe(aborted);
  });

  describe("through the daemon's runner (commandRunner), which names the command in its errors", () => {
    const exec = createSpawnExec();
    const dir = mkdtempSync(join(tmpdir(), "node-addressing-"));
    afterAll(async () => {
      await exec.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it("names the failing command once, with what it said on stderr", async () => {
      writeFileSync(
        join(dir, "ip"),
        '#!/bin/sh\ncase "$*" in *-4*) echo "Cannot open netlink socket" >&2; exit 255;; *) echo "[]";; esac\n',
      );
      chmodSync(join(dir, "ip"), 0o755);
      const err = await readNodeAddressing(commandRunner(exec, dir)).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: "NODE_UNREADABLE" });
      expect((err as Error).message).toBe(
        "the node's networking cannot be read: ip -j -4 route show default: failed: Cannot open netlink socket; the preflight cannot tell what the node uses, so nothing ran",
      );
    });

    it("names the command once when ip is not there, without plugin terms", async () => {
      const empty = mkdtempSync(join(dir, "empty-"));
      const err = await readNodeAddressing(commandRunner(exec, empty)).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: "NODE_UNREADABLE" });
      expect((err as Error).message).toBe(
        `the node's networking cannot be read: ip -j addr show: failed: ip not found in any of [${empty}]; the preflight cannot tell what the node uses, so nothing ran`,
      );
    });
  });
});
