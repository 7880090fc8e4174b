import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ERROR_CODES } from "../../errors/error-codes.js";
import { createSysfsNodeLinks, viewNode } from "./node-links.js";

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "sysfs-net-"));
  const link = async (name: string, uevent: string) => {
    await mkdir(join(root, name));
    await writeFile(join(root, name, "uevent"), uevent);
  };
  await link("eth0", "INTERFACE=eth0\nIFINDEX=2\n");
  await mkdir(join(root, "eth0", "device"));
  await link("veth1", "INTERFACE=veth1\nIFINDEX=5\n");
  await link("br0", "DEVTYPE=bridge\nINTERFACE=br0\nIFINDEX=3\n");
  await link("eth0.10", "DEVTYPE=vlan\nINTERFACE=eth0.10\nIFINDEX=4\n");
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("sysfs node links (a /sys/class/net layout in a temp dir)", () => {
  it("lists the links and reads a link's kind from DEVTYPE, else a NIC (parent device) or a virtual link", async () => {
    const links = createSysfsNodeLinks(root);
    expect(await links.names()).toEqual(["br0", "eth0", "eth0.10", "veth1"]);
    expect(await links.kind("veth1")).toBe("virtual");
    expect(await links.kind("br0")).toBe("bridge");
    expect(await links.kind("eth0.10")).toBe("vlan");
    expect(await links.kind("eth0")).toBe("device");
  });

  it("answers undefined for a missing link and for names that are no link names", async () => {
    const links = createSysfsNodeLinks(root);
    for (const name of ["eth9", "", "..", ".", "../sysfs", "a/b"]) expect(await links.kind(name)).toBeUndefined();
  });

  it("fails naming the path when a link's files cannot be read, never taking them as absent", async () => {
    await mkdir(join(root, "eth5"));
    await writeFile(join(root, "eth5", "uevent"), "INTERFACE=eth5\n");
    await symlink("device", join(root, "eth5", "device")); // a loop: ELOOP
    const err = await createSysfsNodeLinks(root)
      .kind("eth5")
      .catch((e: unknown) => e);
    // A condition of the node, not a bug of netattachd's (INTERNAL would hide what to fix).
    expect(err).toMatchObject({ code: "NODE_UNREADABLE", context: { phase: "preflight" } });
    expect((err as Error).message).toBe(
      `the node's networking cannot be read: ${join(root, "eth5", "device")}: ELOOP; the preflight cannot tell what the node uses, so nothing ran`,
    );
    expect(ERROR_CODES.NODE_UNREADABLE).toMatchObject({ status: "FAILED_PRECONDITION", cniCode: 5 });
  });

  it("fails NODE_UNREADABLE naming the directory when the node's link list cannot be read", async () => {
    const missing = join(root, "gone");
    await expect(createSysfsNodeLinks(missing).names()).rejects.toMatchObject({
      code: "NODE_UNREADABLE",
      message: `the node's networking cannot be read: ${missing}: ENOENT; the preflight cannot tell what the node uses, so nothing ran`,
    });
  });

  it("viewNode reads each named link once", async () => {
    const view = await viewNode(createSysfsNodeLinks(root), ["br0", "eth9", "br0"]);
    expect(view.names).toEqual(["br0", "eth0", "eth0.10", "veth1"]);
    expect([...view.kinds]).toEqual([
      ["br0", "bridge"],
      ["eth9", undefined],
    ]);
  });

  it("lists a deviceID's net interfaces under the PCI and auxiliary device dirs, and never joins a path", async () => {
    const pci = join(root, "pci");
    const aux = join(root, "aux");
    await mkdir(join(pci, "0000:00:03.0", "net", "eth0"), { recursive: true });
    await mkdir(join(aux, "mlx5_core.sf.4", "net", "enp3s0f0s4"), { recursive: true });
    await mkdir(join(root, "escape", "net", "host0"), { recursive: true });
    const links = createSysfsNodeLinks(root, { deviceDirs: [pci, aux] });
    expect(await links.deviceLinks("0000:00:03.0")).toEqual(["eth0"]);
    expect(await links.deviceLinks("mlx5_core.sf.4")).toEqual(["enp3s0f0s4"]);
    expect(await links.deviceLinks("0000:00:04.0")).toEqual([]);
    expect(await links.deviceLinks("../escape")).toEqual([]);
  });
});
