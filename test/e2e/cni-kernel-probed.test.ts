// ipvlan and vlan need kernel modules this machine may not have. The kernel is probed once;
// with support they get the full ADD/CHECK/DEL test, without it the test proves that the
// runtime reports the plugin's own failure (plugin, CNI code, message) and leaves nothing.
// Never a silent skip.
import { afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import { CniError } from "../../server/src/cni/index.js";
import { createCniCase, type CniCase } from "../helpers/cni-case.js";
import { addCheckDel } from "../helpers/cni-lifecycle.js";
import { firstIpv4 } from "../helpers/cni-result.js";
import { createHostVeth, ipamReservations } from "../helpers/host-net.js";
import { globalAddrs } from "../helpers/ip-json.js";
import { createNetns, nonLoopbackLinks, uniqueName, type Netns } from "../helpers/netns.js";
import { describeRoot } from "../helpers/root.js";
import { tryCmd } from "../helpers/run-cmd.js";

type Kind = "ipvlan" | "vlan";

const PROBES: Record<Kind, (ns: string) => string[]> = {
  ipvlan: (ns) => ["-n", ns, "link", "add", "probe1", "link", "probe0", "type", "ipvlan", "mode", "l2"],
  vlan: (ns) => ["-n", ns, "link", "add", "link", "probe0", "name", "probe1", "type", "vlan", "id", "42"],
};

/** What the Debian 1.1.1 plugins print when the kernel lacks the link type (skel wraps it as 999). */
const UNSUPPORTED = {
  code: 999,
  msg: {
    ipvlan: "failed to create ipvlan: operation not supported",
    vlan: "failed to create vlan: operation not supported",
  },
};

describeRoot("CNI runtime × kernel-dependent plugins (ipvlan, vlan)", () => {
  const supported: Record<Kind, boolean> = { ipvlan: false, vlan: false };
  let c: CniCase;

  beforeAll(async () => {
    const scratch: Netns = await createNetns("h3-probe-");
    try {
      const ok = await tryCmd("ip", [
        "-n",
        scratch.name,
        "link",
        "add",
        "probe0",
        "type",
        "veth",
        "peer",
        "name",
        "probe9",
      ]);
      if (!ok) throw new Error("cannot create a veth pair in a scratch netns: the probe itself is broken");
      for (const kind of ["ipvlan", "vlan"] as const) {
        supported[kind] = await tryCmd("ip", PROBES[kind](scratch.name));
        await tryCmd("ip", ["-n", scratch.name, "link", "del", "probe1"]);
      }
    } finally {
      await scratch.delete();
    }
    for (const kind of ["ipvlan", "vlan"] as const) {
      if (!supported[kind]) {
        console.warn(
          `\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n` +
            `!! KERNEL HAS NO ${kind.toUpperCase()} SUPPORT: the ${kind} plugin cannot create links here.\n` +
            `!! Testing the failure path instead: the runtime must return the plugin's\n` +
            `!! own CNI error and leave no interface and no IPAM reservation behind.\n` +
            `!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n`,
        );
      }
    }
  });

  beforeEach(async () => {
    c = await createCniCase("kp");
  });
  afterEach(async () => {
    await c.cleanup();
  });

  it.each(["ipvlan", "vlan"] as const)(
    "%s: full lifecycle if the kernel supports it, else a clean plugin failure",
    async (kind) => {
      const master = uniqueName("h3k");
      const peer = uniqueName("h3q");
      c.trackHostLink(master);
      c.trackHostLink(peer);
      await createHostVeth(master, peer);
      await tryCmd("ip", ["link", "set", master, "up"]);
      const list = await c.load(`${kind}.conflist`, { MASTER: master });
      const rt = c.rt();

      if (supported[kind]) {
        await addCheckDel(c, list, rt, {
          added: async (result) => {
            const eth0 = await c.netns.addr("eth0");
            expect(eth0?.linkinfo?.info_kind).toBe(kind);
            if (kind === "vlan") expect(eth0?.linkinfo?.info_data).toMatchObject({ id: 42 });
            expect(globalAddrs(eth0)).toEqual([firstIpv4(result).cidr]);
          },
          removed: async () => {
            expect(await nonLoopbackLinks(c.netns)).toEqual([]);
          },
        });
        return;
      }

      const err: unknown = await c.runtime.addNetworkList(list, rt).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(CniError);
      const cniErr = err as CniError;
      expect(cniErr).toMatchObject({
        kind: "plugin-failed",
        plugin: kind,
        network: c.name,
        command: "ADD",
        code: UNSUPPORTED.code,
        msg: UNSUPPORTED.msg[kind],
      });
      expect(cniErr.message).toContain(`plugin "${kind}"`);
      expect(cniErr.message).toContain(UNSUPPORTED.msg[kind]);
      expect(await nonLoopbackLinks(c.netns)).toEqual([]);
      expect(await ipamReservations(c.dataDir, c.name)).toEqual([]);
      expect(await c.runtime.getCachedResult(list, rt)).toBeUndefined();

      // The spec makes the caller DEL after a failed ADD; that must succeed and change nothing.
      await c.runtime.delNetworkList(list, rt);
      expect(await nonLoopbackLinks(c.netns)).toEqual([]);
      expect(await ipamReservations(c.dataDir, c.name)).toEqual([]);
    },
  );
});
