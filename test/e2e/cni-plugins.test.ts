// Real Debian CNI plugins through the runtime, each into a fresh netns: ADD creates what the
// plugin promises, CHECK passes, DEL removes it, host-local keeps no reservation, DEL twice is fine.
import { afterEach, beforeEach, expect, it } from "vitest";
import { createCniCase, type CniCase } from "../helpers/cni-case.js";
import { addCheckDel } from "../helpers/cni-lifecycle.js";
import { firstIpv4, hostInterfaces, sandboxInterface, viewResult } from "../helpers/cni-result.js";
import {
  createHostBridge,
  createHostVeth,
  hostAddr,
  hostLink,
  ipamReservationOwner,
  ipamReservations,
} from "../helpers/host-net.js";
import { globalAddrs } from "../helpers/ip-json.js";
import { nonLoopbackLinks, uniqueName } from "../helpers/netns.js";
import { describeRoot } from "../helpers/root.js";

describeRoot("CNI runtime × real main and IPAM plugins", () => {
  let c: CniCase;
  beforeEach(async () => {
    c = await createCniCase("pl");
  });
  afterEach(async () => {
    await c.cleanup();
  });

  it("bridge + host-local: veth into the netns on a host bridge, gateway on the bridge", async () => {
    const list = await c.load("bridge.conflist");
    await addCheckDel(c, list, c.rt(), {
      added: async (result) => {
        const { cidr, ip, gateway } = firstIpv4(result);
        expect(cidr.startsWith(c.subnet.prefix) && cidr.endsWith("/24")).toBe(true);
        expect(gateway).toBe(c.subnet.gateway);
        expect(globalAddrs(await c.netns.addr("eth0"))).toEqual([cidr]);
        expect(sandboxInterface(result)?.mac).toBe((await c.netns.link("eth0"))?.address);
        expect(await c.netns.routes()).toContainEqual(
          expect.objectContaining({ dst: "default", gateway: c.subnet.gateway, dev: "eth0" }),
        );
        expect(globalAddrs(await hostAddr(c.bridge))).toEqual([`${c.subnet.gateway}/24`]);
        const hostVeth = hostInterfaces(result).find((i) => i.name !== c.bridge)?.name ?? "";
        expect((await hostLink(hostVeth))?.master).toBe(c.bridge);
        expect(await ipamReservations(c.dataDir, c.name)).toEqual([ip]);
        expect(await ipamReservationOwner(c.dataDir, c.name, ip)).toContain(c.containerId);
      },
      removed: async (result) => {
        expect(await nonLoopbackLinks(c.netns)).toEqual([]);
        for (const i of hostInterfaces(result).filter((i) => i.name !== c.bridge))
          expect(await hostLink(i.name)).toBeUndefined();
      },
    });
  });

  it("static IPAM (via bridge): the configured address and gateway land in the netns", async () => {
    const list = await c.load("bridge-static.conflist");
    await addCheckDel(c, list, c.rt(), {
      added: async (result) => {
        expect(firstIpv4(result)).toMatchObject({ cidr: c.subnet.staticAddr, gateway: c.subnet.gateway });
        expect(globalAddrs(await c.netns.addr("eth0"))).toEqual([c.subnet.staticAddr]);
        expect(await c.netns.routes()).toContainEqual(
          expect.objectContaining({ dst: "default", gateway: c.subnet.gateway }),
        );
      },
      removed: async () => {
        expect(await nonLoopbackLinks(c.netns)).toEqual([]);
      },
    });
  });

  it("static alone: returns its addresses and routes and touches nothing", async () => {
    const list = await c.load("static.conflist");
    await addCheckDel(c, list, c.rt(), {
      added: async (result) => {
        const view = viewResult(result);
        expect(view.ips).toEqual([
          expect.objectContaining({ address: c.subnet.staticAddr, gateway: c.subnet.gateway }),
        ]);
        expect(view.routes).toContainEqual(expect.objectContaining({ dst: "192.0.2.0/24", gw: c.subnet.gateway }));
        expect(await nonLoopbackLinks(c.netns)).toEqual([]);
      },
      removed: async () => {
        expect(await nonLoopbackLinks(c.netns)).toEqual([]);
      },
    });
  });

  it("host-local alone: reserves an address for the container and releases it on DEL", async () => {
    const list = await c.load("host-local.conflist");
    await addCheckDel(c, list, c.rt(), {
      added: async (result) => {
        const { cidr, ip } = firstIpv4(result);
        expect(cidr.startsWith(c.subnet.prefix)).toBe(true);
        expect(await ipamReservations(c.dataDir, c.name)).toEqual([ip]);
        expect(await ipamReservationOwner(c.dataDir, c.name, ip)).toContain(c.containerId);
        expect(await nonLoopbackLinks(c.netns)).toEqual([]);
      },
      removed: async () => undefined,
    });
  });

  it("macvlan (master: a host bridge made for the test): a macvlan eth0 with its address", async () => {
    const master = uniqueName("h3m");
    c.trackHostLink(master);
    await createHostBridge(master);
    const list = await c.load("macvlan.conflist", { MASTER: master });
    await addCheckDel(c, list, c.rt(), {
      added: async (result) => {
        const eth0 = await c.netns.addr("eth0");
        expect(eth0?.linkinfo?.info_kind).toBe("macvlan");
        expect(eth0?.linkinfo?.info_data).toMatchObject({ mode: "bridge" });
        expect(globalAddrs(eth0)).toEqual([firstIpv4(result).cidr]);
        expect(await c.netns.routes()).toContainEqual(
          expect.objectContaining({ dst: "default", gateway: c.subnet.gateway }),
        );
      },
      removed: async () => {
        expect(await nonLoopbackLinks(c.netns)).toEqual([]);
        expect(await hostLink(master)).toBeDefined();
      },
    });
  });

  it("ptp: a veth pair routed point-to-point, gateway address on the host end", async () => {
    const list = await c.load("ptp.conflist");
    await addCheckDel(c, list, c.rt(), {
      added: async (result) => {
        const { cidr, ip, gateway } = firstIpv4(result);
        expect(globalAddrs(await c.netns.addr("eth0"))).toEqual([cidr]);
        expect(await c.netns.routes()).toContainEqual(expect.objectContaining({ dst: "default", gateway }));
        const [hostVeth] = hostInterfaces(result);
        expect(globalAddrs(await hostAddr(hostVeth?.name ?? ""))).toEqual([`${gateway}/32`]);
        expect(await hostLink(hostVeth?.name ?? "")).toMatchObject({ linkinfo: { info_kind: "veth" } });
        expect(await ipamReservations(c.dataDir, c.name)).toEqual([ip]);
      },
      removed: async (result) => {
        expect(await nonLoopbackLinks(c.netns)).toEqual([]);
        expect(await hostLink(hostInterfaces(result)[0]?.name ?? "")).toBeUndefined();
      },
    });
  });

  it("loopback (a single-plugin .conf): lo up with 127.0.0.1 and ::1, down again after DEL", async () => {
    expect((await c.netns.link("lo"))?.flags).not.toContain("UP");
    const list = await c.load("loopback.conf");
    expect(list.plugins.map((p) => p.type)).toEqual(["loopback"]);
    await addCheckDel(c, list, c.rt({ ifName: "lo" }), {
      added: async (result) => {
        expect(viewResult(result).interfaces).toEqual([expect.objectContaining({ name: "lo", sandbox: c.netns.path })]);
        const lo = await c.netns.addr("lo");
        expect(lo?.flags).toContain("UP");
        expect(lo?.addr_info.map((a) => `${a.local}/${a.prefixlen}`)).toEqual(
          expect.arrayContaining(["127.0.0.1/8", "::1/128"]),
        );
      },
      removed: async () => {
        expect((await c.netns.link("lo"))?.flags).not.toContain("UP");
      },
    });
  });

  it("host-device: moves a host veth end into the netns as eth0 and gives it back on DEL (its 2nd DEL errors)", async () => {
    const device = uniqueName("h3d");
    const peer = uniqueName("h3e");
    c.trackHostLink(device);
    c.trackHostLink(peer);
    await createHostVeth(device, peer);
    const mac = (await hostLink(device))?.address;
    const list = await c.load("host-device.conflist", { DEVICE: device });
    await addCheckDel(c, list, c.rt(), {
      // host-device's DEL errors when the device is already back on the host (1.1.1 and upstream main).
      secondDelFails: { plugin: "host-device", msg: /failed to find "eth0"/ },
      added: async (result) => {
        expect(await hostLink(device)).toBeUndefined();
        const eth0 = await c.netns.addr("eth0");
        expect(eth0?.address).toBe(mac);
        expect(globalAddrs(eth0)).toEqual([firstIpv4(result).cidr]);
      },
      removed: async () => {
        expect(await nonLoopbackLinks(c.netns)).toEqual([]);
        expect((await hostLink(device))?.address).toBe(mac);
      },
    });
  });
});
