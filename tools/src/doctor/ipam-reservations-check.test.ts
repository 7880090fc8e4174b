import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ConfiguredNetwork } from "./configured-networks.js";
import { HOST_LOCAL_DEFAULT_DATA_DIR, hostLocalDirs, type HostLocalDir } from "./host-local-dirs.js";
import { checkIpamReservations, PREDATES_NETATTACH, type ReservationOwners } from "./ipam-reservations-check.js";

let base: string;
let cluster: HostLocalDir;
let blue: HostLocalDir;
const tools = { binDirs: ["/opt/cni/bin", "/usr/lib/cni"], cacheDir: "/var/lib/netattach/cache" };
const noRuntime = { why: "no container runtime socket configured (reconcile.runtimeSocket)" };

/** A file as host-local 1.x writes it ("<id>\r\n<ifname>"). */
const reserve = (dir: HostLocalDir, ip: string, id: string, ifName: string): Promise<void> =>
  writeFile(join(dir.dir, ip), `${id}\r\n${ifName}`);

function owners(over: Partial<ReservationOwners> = {}): () => Promise<ReservationOwners> {
  return async () => ({ recorded: new Set(["saved1"]), clusterNetwork: "cluster", sandboxes: noRuntime, ...over });
}

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), "na-ipam-check-"));
  cluster = {
    dir: join(base, "cluster"),
    cniName: "cluster",
    networks: ["cluster"],
    confFile: "/etc/na/10-c.conflist",
  };
  blue = { dir: join(base, "blue"), cniName: "blue", networks: ["default/blue"] };
  for (const d of [cluster, blue]) {
    await mkdir(d.dir);
    await writeFile(join(d.dir, "lock"), "");
    await writeFile(join(d.dir, "last_reserved_ip.0"), "10.0.0.9");
  }
});
afterEach(() => rm(base, { recursive: true, force: true }));

describe("checkIpamReservations", () => {
  it("is ok when every reservation's container id has a saved attachment; bookkeeping files are not reservations", async () => {
    await reserve(cluster, "10.1.0.2", "saved1", "eth0");
    await reserve(blue, "fd00:7::2", "saved1", "net1");
    expect(await checkIpamReservations([cluster, blue], owners(), tools)).toEqual({
      check: "ipam-reservations",
      status: "ok",
      message: "2 reservation(s) in 2 host-local data dir(s), each owned by a saved attachment",
    });
  });

  it("fails a secondary network's unrecorded reservation and warns on the cluster network's, naming each", async () => {
    await reserve(cluster, "10.1.0.3", "old1", "eth0");
    await reserve(blue, "10.2.0.5", "lost1", "net1");
    await reserve(blue, "fd00:2::5", "lost1", "net1");
    const r = await checkIpamReservations([cluster, blue], owners(), tools);
    expect(r.status).toBe("fail");
    expect(r.message.split("\n")).toEqual([
      `3 reservation(s) in 2 host-local data dir(s); 3 with no saved attachment (the container runtime was not asked (${noRuntime.why})):`,
      `10.1.0.3 in ${cluster.dir} (network cluster): container old1, interface eth0: ${PREDATES_NETATTACH}`,
      expect.stringMatching(
        new RegExp(
          `^(10\\.2\\.0\\.5|fd00:2::5) in ${blue.dir} \\(network default/blue\\): container lost1, interface net1: no saved attachment; netattach is the only one`,
        ),
      ),
      expect.stringContaining("container lost1, interface net1"),
    ]);
    expect(r.message).toContain("10.2.0.5 in");
    expect(r.message).toContain("fd00:2::5 in");
    // The cluster network's conf file runs the plugin's DEL (one per container and interface); a
    // definition has no conf file to give `cni del`: its files are removed.
    expect(r.fix?.split("\n")).toEqual([
      "release each with the plugin's own DEL (or remove the file host-local wrote):",
      "once crictl pods --id old1 lists nothing: netattachctl cni del /etc/na/10-c.conflist --container-id old1 --ifname eth0 --bin-dir /opt/cni/bin:/usr/lib/cni --cache-dir /var/lib/netattach/cache",
      ...[join(blue.dir, "10.2.0.5"), join(blue.dir, "fd00:2::5")]
        .sort((a, b) => r.fix!.indexOf(a) - r.fix!.indexOf(b))
        .map((p) => `rm ${p}`),
    ]);
  });

  it("with the runtime's sandbox list: a listed cluster pod is fine, an unlisted id fails, a live secondary warns", async () => {
    await reserve(cluster, "10.1.0.3", "old1", "eth0");
    const sandboxes = { ids: new Set(["old1"]), runtime: "containerd 1.6 at unix:///run/c.sock" };
    expect(await checkIpamReservations([cluster], owners({ sandboxes }), tools)).toMatchObject({
      status: "ok",
      message:
        "1 reservation(s) in 1 host-local data dir(s), each owned by a saved attachment; 1 of running pods that predate netattach (cluster network)",
    });
    await reserve(cluster, "10.1.0.4", "gone1", "eth0");
    await reserve(blue, "10.2.0.6", "old1", "net1");
    const r = await checkIpamReservations([cluster, blue], owners({ sandboxes }), tools);
    expect(r.status).toBe("fail");
    expect(r.message).toContain(
      `10.1.0.4 in ${cluster.dir} (network cluster): container gone1, interface eth0: no saved attachment, and the container runtime does not list the sandbox`,
    );
    expect(r.message).toContain(
      `10.2.0.6 in ${blue.dir} (network default/blue): container old1, interface net1: no saved attachment, but the container runtime lists the sandbox`,
    );
    expect(r.message).toContain("(sandboxes as listed by containerd 1.6 at unix:///run/c.sock)");
    expect(r.message).not.toContain("10.1.0.3");
  });

  it("treats every network as possibly the cluster network when netattachd has none loaded", async () => {
    await reserve(blue, "10.2.0.5", "lost1", "net1");
    const r = await checkIpamReservations([blue], owners({ clusterNetwork: undefined }), tools);
    expect(r.status).toBe("warn");
    expect(r.message).toContain(`container lost1, interface net1: ${PREDATES_NETATTACH}`);
  });

  it("reads the reservations before asking the owners, so an ADD in flight is not taken for a leak", async () => {
    const r = await checkIpamReservations(
      [blue],
      async () => {
        await reserve(blue, "10.2.0.9", "adding1", "net1"); // record saved, then the plugin reserved
        return { recorded: new Set(["adding1"]), clusterNetwork: "cluster", sandboxes: noRuntime };
      },
      tools,
    );
    expect(r.status).toBe("ok");
  });

  it("drops a reservation released (or taken by another container) after it was read: a DEL that ended in between", async () => {
    await reserve(blue, "10.2.0.12", "deleting1", "net1");
    await reserve(blue, "10.2.0.13", "deleting2", "net1");
    await reserve(blue, "10.2.0.14", "lost3", "net1");
    const r = await checkIpamReservations(
      [blue],
      async () => {
        // Both DELs ended while doctor read: their records are gone, and so are their files; the
        // second address was reserved again at once, by an ADD whose record doctor did not see.
        await rm(join(blue.dir, "10.2.0.12"));
        await reserve(blue, "10.2.0.13", "adding2", "net1");
        return { recorded: new Set<string>(), clusterNetwork: "cluster", sandboxes: noRuntime };
      },
      tools,
    );
    expect(r.status).toBe("fail");
    expect(r.message.split("\n")).toEqual([
      `3 reservation(s) in 1 host-local data dir(s); 1 with no saved attachment (the container runtime was not asked (${noRuntime.why})):`,
      `10.2.0.14 in ${blue.dir} (network default/blue): container lost3, interface net1: no saved attachment; netattach is the only one that reserves on a secondary network, so nothing releases it`,
    ]);
  });

  it("skips what is not a reservation, and takes an id-only file (host-local before 0.9) with an rm fix", async () => {
    await writeFile(join(blue.dir, "notes.txt"), "hello");
    await writeFile(join(blue.dir, "10.2.0.7"), "x".repeat(4096));
    await mkdir(join(blue.dir, "10.2.0.8"));
    await writeFile(join(blue.dir, "10.2.0.10"), "bad id!\r\nnet1");
    await writeFile(join(blue.dir, "10.2.0.11"), "lost2\n");
    const r = await checkIpamReservations([blue], owners(), tools);
    expect(r.status).toBe("fail");
    expect(r.message).toContain(
      `10.2.0.11 in ${blue.dir} (network default/blue): container lost2, interface (not recorded)`,
    );
    expect(r.message).toMatch(
      new RegExp(`3 file\\(s\\) in ${blue.dir} named by an address skipped: ${blue.dir}/10\\.2\\.0\\.`),
    );
    expect(r.message).not.toContain("notes.txt");
    expect(r.fix).toContain(`rm ${join(blue.dir, "10.2.0.11")}`);
  });

  it("bounds a huge data dir: reads maxReads files, counts the rest, lists maxListed findings and says how many more", async () => {
    for (let i = 1; i <= 250; i++) await reserve(blue, `10.3.${i >> 8}.${i & 255}`, `leak${i}`, "net1");
    const r = await checkIpamReservations([blue], owners(), tools, { limits: { maxReads: 100, maxListed: 5 } });
    const lines = r.message.split("\n");
    expect(lines[0]).toBe(
      "100 reservation(s) in 1 host-local data dir(s); 100 with no saved attachment (the container runtime was not asked (no container runtime socket configured (reconcile.runtimeSocket))):",
    );
    expect(lines.slice(6)).toEqual([
      "… and 95 more",
      `… and 150 more address file(s) in ${blue.dir}, not read (doctor reads 100 per data dir)`,
    ]);
    expect(r.fix?.split("\n").at(-1)).toBe("… and 95 more");
  });

  it("is ok with nothing to read, and a missing data dir holds no reservations", async () => {
    expect((await checkIpamReservations([], owners(), tools)).message).toBe(
      "no configured network uses host-local IPAM",
    );
    const missing = { ...blue, dir: join(base, "never-used") };
    expect((await checkIpamReservations([missing], owners(), tools)).status).toBe("ok");
  });
});

describe("hostLocalDirs", () => {
  const net = (
    name: string,
    where: string,
    config: ConfiguredNetwork["config"],
    confFile?: string,
  ): ConfiguredNetwork => ({
    name,
    where,
    config,
    ...(confFile === undefined ? {} : { confFile }),
  });

  it("is <dataDir>/<CNI name> (host-local's default dataDir unless ipam.dataDir), once per directory", () => {
    const dirs = hostLocalDirs([
      net(
        "cluster",
        "/etc/na/10-c.conflist",
        {
          cniVersion: "1.0.0",
          name: "cluster",
          plugins: [{ type: "bridge", ipam: { type: "host-local", ranges: [] } }, { type: "portmap" }],
        },
        "/etc/na/10-c.conflist",
      ),
      net("default/blue", "/defs/blue.yaml", {
        cniVersion: "1.0.0",
        name: "blue-net",
        type: "macvlan",
        ipam: { type: "host-local", dataDir: "/data" },
      }),
      net("other/blue", "/defs/blue2.yaml", {
        name: "blue-net",
        type: "ipvlan",
        ipam: { type: "host-local", dataDir: "/data" },
      }),
      net("default/dhcp", "/defs/dhcp.yaml", { name: "d", type: "macvlan", ipam: { type: "dhcp" } }),
      net("default/broken", "/defs/broken.yaml", { problem: "bad" }),
    ]);
    expect(dirs).toEqual([
      {
        dir: join(HOST_LOCAL_DEFAULT_DATA_DIR, "cluster"),
        cniName: "cluster",
        networks: ["cluster"],
        confFile: "/etc/na/10-c.conflist",
      },
      { dir: "/data/blue-net", cniName: "blue-net", networks: ["default/blue", "other/blue"] },
    ]);
  });
});
