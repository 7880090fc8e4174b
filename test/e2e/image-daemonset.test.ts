// The image `npm run image` builds, run as deploy/daemonset.yaml runs it, on a private
// containerd: the install-cni init step and netattachd come from the image with the
// manifest's own commands and mounts (host network, privileged, the host's /run/netattach,
// /etc/cni/net.d, /opt/cni/bin, state dirs — each a private temp dir here), and a pod sandbox
// created through CRI gets two networks through the installed shim; Stop/Remove leaves nothing.
import { copyFile, mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { parse as parseYaml } from "yaml";
import { afterAll, beforeAll, expect, it } from "vitest";
import { buildImage } from "../../tools/image/build-image.js";
import { imageName } from "../../tools/image/image-name.js";
import { sha256File } from "../../tools/image/oci-image.js";
import { CNI_BIN_DIRS } from "../helpers/cni-bin.js";
import { startContainerd, type ContainerdHarness } from "../helpers/containerd/containerd-harness.js";
import { ctrExec, ctrRun, ctrStop, importImage, type CtrMount } from "../helpers/containerd/ctr-container.js";
import { daemonSetContainers, type SpecContainer } from "../helpers/containerd/daemonset-spec.js";
import { podSandboxConfig, sandboxNetnsPath } from "../helpers/containerd/pod-sandbox.js";
import { buildShim, REPO_ROOT } from "../helpers/containerd/shim-binary.js";
import { filesUnder } from "../helpers/host-net.js";
import { describeRoot } from "../helpers/root.js";

const CLUSTER = "img-cluster";
const SECOND = "img-b";
const BRIDGE = `naimg${Date.now().toString(36).slice(-6)}`;
const PLUGINS = ["bridge", "host-local", "loopback", "ptp", "portmap"];
const DAEMON_ID = "netattachd";

interface Addr {
  ifname: string;
  addr_info: { family: string; local: string; prefixlen: number }[];
}

describeRoot("the netattach image as the DaemonSet runs it", () => {
  let dir: string;
  let containerd: ContainerdHarness;
  let host: Record<string, string>;
  let shim: string;
  /** The daemon's HTTP listener: a free port here (the manifest's own may be taken on a shared machine). */
  let httpPort: number;

  /** The manifest's mounts, each host path replaced by this test's private one. */
  function mounts(c: SpecContainer): CtrMount[] {
    return c.mounts.map((m) => {
      const source = m.hostPath !== undefined ? host[m.hostPath] : host[`configMap:${m.name}`];
      if (source === undefined)
        throw new Error(
          `deploy/daemonset.yaml mounts ${m.hostPath ?? m.name}: the image e2e has no private stand-in for it; add one`,
        );
      return {
        host: source,
        container: m.mountPath,
        readOnly: m.readOnly,
        ...(m.hostToContainer ? { propagation: "rslave" } : {}),
      };
    });
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "na-img-"));
    const version = (JSON.parse(await readFile(join(REPO_ROOT, "package.json"), "utf8")) as { version: string })
      .version;
    const { init, daemon } = await daemonSetContainers(join(REPO_ROOT, "deploy/daemonset.yaml"), {
      CLUSTER_NETWORK: CLUSTER,
    });
    expect(init.image).toBe(imageName(version));
    expect(daemon.image).toBe(imageName(version));

    // The image, built by the same code as `npm run image` from this tree's build outputs.
    const build = join(dir, "build");
    await execa("node", [join(REPO_ROOT, "tools/build.mjs"), "--bundles", build], { cwd: REPO_ROOT });
    // A private copy: the shared shim cache drops binaries of other source versions.
    shim = join(build, "netattach-cni");
    await copyFile(await buildShim(), shim);
    const image = await buildImage({
      name: imageName(version),
      buildDir: build,
      out: join(dir, "image.oci.tar"),
      node: process.execPath,
    });

    // The node's host paths, private: the real plugins (copies: symlinks would dangle inside
    // the container), a conf dir with the cluster network, config with one more network.
    host = {
      "/run/netattach": join(dir, "run"),
      "/opt/cni/bin": join(dir, "bin"),
      "/etc/cni/net.d": join(dir, "net.d"),
      "/var/run/netns": "/var/run/netns",
      "/var/lib/netattach": join(dir, "state"),
      "/var/lib/cni": join(dir, "cni-lib"),
      "/run/xtables.lock": join(dir, "xtables.lock"),
      "/lib/modules": join(dir, "modules"),
      "/run/containerd": join(dir, "run-containerd"),
      "configMap:config": join(dir, "config"),
    };
    for (const [path, local] of Object.entries(host))
      if (path !== "/var/run/netns" && path !== "/run/xtables.lock") await mkdir(local, { recursive: true });
    await writeFile(host["/run/xtables.lock"]!, "");
    const pluginDir = CNI_BIN_DIRS.find((d) => existsSync(join(d, "bridge")));
    if (pluginDir === undefined) throw new Error("no CNI plugins found (containernetworking-plugins)");
    for (const p of PLUGINS) await copyFile(join(pluginDir, p), join(dir, "bin", p));
    const ipam = (subnet: string) => ({ type: "host-local", ranges: [[{ subnet }]] });
    await writeFile(
      join(dir, "net.d", `10-${CLUSTER}.conflist`),
      JSON.stringify({
        cniVersion: "1.0.0",
        name: CLUSTER,
        plugins: [{ type: "bridge", bridge: BRIDGE, isGateway: true, ipam: ipam("10.239.0.0/24") }],
      }),
    );
    await mkdir(join(dir, "config", "definitions"));
    await writeFile(
      join(dir, "config", "definitions", `${SECOND}.json`),
      JSON.stringify({
        apiVersion: "k8s.cni.cncf.io/v1",
        kind: "NetworkAttachmentDefinition",
        metadata: { name: SECOND, namespace: "default" },
        spec: {
          config: JSON.stringify({
            cniVersion: "1.0.0",
            name: SECOND,
            plugins: [{ type: "ptp", ipam: { ...ipam("10.239.1.0/24"), routes: [] } }],
          }),
        },
      }),
    );
    containerd = await startContainerd({
      tag: "img",
      cniBinDir: host["/opt/cni/bin"]!,
      cniConfDir: host["/etc/cni/net.d"]!,
    });
    // After containerd is up: its stream server takes a random port, which could be the one
    // freePort() found free.
    await writeFile(
      join(dir, "config", "netattachd.yaml"),
      [
        "socketPath: /run/netattach/netattach.sock",
        "stateDir: /var/lib/netattach",
        "cniBinDirs: [/opt/cni/bin]",
        "cniConfDir: /etc/cni/net.d",
        "definitionsDir: /etc/netattach/definitions",
        "defaultNamespace: default",
        "kubernetes: {mode: none}",
        `metricsListen: 127.0.0.1:${(httpPort = await freePort())}`,
        "",
      ].join("\n"),
    );
    await importImage(containerd, image.tarball);

    // Init step: the manifest's install command. The shim runs on the HOST and calls the
    // socket by its host path, which is private here.
    const installArgs = init.command.map((a) => a.replace("=/run/netattach/", `=${host["/run/netattach"]}/`));
    const installed = await ctrRun(containerd, {
      id: "install-cni",
      image: init.image,
      args: installArgs,
      mounts: mounts(init),
    });
    expect(installed.stderr).toBe("");
    expect(installed.exitCode).toBe(0);

    // Pod netns mounts made after netattachd started must reach it (HostToContainer): as on
    // a systemd node, /run/netns is a shared mount point (`ip netns` makes it one).
    await execa("ip", ["netns", "add", "na-img-prop"]);
    await execa("ip", ["netns", "del", "na-img-prop"]);
    const started = await ctrRun(containerd, {
      id: DAEMON_ID,
      image: daemon.image,
      args: daemon.command,
      env: { NODE_NAME: "img-node" },
      mounts: mounts(daemon),
      detach: true,
    });
    expect({ exitCode: started.exitCode, stderr: started.stderr }).toEqual({ exitCode: 0, stderr: "" });
    await containerd.waitNetworkReady();
  }, 300_000);

  afterAll(async () => {
    if (containerd !== undefined) {
      for (const p of (await containerd.cri.listPodSandbox({}).catch(() => ({ items: [] }))).items) {
        await containerd.cri.stopPodSandbox({ podSandboxId: p.id }).catch(() => undefined);
        await containerd.cri.removePodSandbox({ podSandboxId: p.id }).catch(() => undefined);
      }
      await ctrStop(containerd, DAEMON_ID).catch(() => undefined);
      await containerd.stop().catch(() => undefined);
    }
    await execa("ip", ["link", "del", BRIDGE], { reject: false });
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** The DaemonSet's readiness probe as the kubelet runs it (httpGet from the node; hostNetwork), on this test's port. */
  async function readinessProbe(): Promise<number> {
    const ds = parseYaml(await readFile(join(REPO_ROOT, "deploy/daemonset.yaml"), "utf8")) as {
      spec: {
        template: { spec: { containers: Array<{ readinessProbe: { httpGet: { host: string; path: string } } }> } };
      };
    };
    const { host, path } = ds.spec.template.spec.containers[0]!.readinessProbe.httpGet;
    return (await fetch(`http://${host}:${httpPort}${path}`).catch(() => ({ status: 0 }))).status;
  }

  async function freePort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    return port;
  }

  it("installed the image's shim and a conflist that calls the node's socket", async () => {
    // Compared by hash: a deep equal of two 100 MB buffers is a test of vitest's patience.
    expect(await sha256File(join(dir, "bin", "netattach-cni"))).toBe(await sha256File(shim));
    const conflist = JSON.parse(await readFile(join(dir, "net.d", "00-netattach.conflist"), "utf8")) as {
      plugins: Array<{ type: string; socketPath: string; clusterNetwork: string }>;
    };
    expect(conflist.plugins[0]).toMatchObject({
      type: "netattach-cni",
      socketPath: join(host["/run/netattach"]!, "netattach.sock"),
      clusterNetwork: CLUSTER,
    });
  });

  it("runs netattachd from the image; the readiness probe passes and the tools it execs are there", async () => {
    let probe = await readinessProbe();
    for (let i = 0; i < 100 && probe !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      probe = await readinessProbe();
    }
    expect(probe).toBe(200);
    const status = await ctrExec(containerd, DAEMON_ID, [
      "node",
      "/usr/lib/netattach/netattachctl.mjs",
      "status",
      "--socket=/run/netattach/netattach.sock",
    ]);
    expect(status.stdout).toContain(`cluster network: ${CLUSTER} (CNI STATUS ok)`);
    expect(status.exitCode).toBe(0);
    for (const tool of [
      ["node", "--version"],
      ["ip", "-V"],
      ["nsenter", "--version"],
      ["unshare", "--version"],
      ["setpriv", "--version"],
      ["iptables", "-V"],
    ]) {
      const r = await ctrExec(containerd, DAEMON_ID, tool);
      expect({ tool: tool[0], exitCode: r.exitCode, stderr: r.stderr }).toEqual({
        tool: tool[0],
        exitCode: 0,
        stderr: "",
      });
    }
    expect((await ctrExec(containerd, DAEMON_ID, ["node", "--version"])).stdout).toMatch(/^v2\d\./);
  });

  it("attaches a pod sandbox to two networks through the installed shim; Stop/Remove leaves nothing", async () => {
    const { podSandboxId } = await containerd.cri.runPodSandbox({
      config: podSandboxConfig({
        name: "img-pod",
        cgroupParent: containerd.cgroupParent,
        annotations: { "k8s.v1.cni.cncf.io/networks": `${SECOND}@net1` },
      }),
    });
    await containerd.track(podSandboxId);
    const netnsPath = (await sandboxNetnsPath(containerd.cri, podSandboxId)) ?? "";
    const netns = netnsPath.split("/").pop() ?? "";
    const addrs = JSON.parse((await execa("ip", ["-n", netns, "-j", "-4", "addr"])).stdout) as Addr[];
    const ipv4 = Object.fromEntries(addrs.map((a) => [a.ifname, a.addr_info.map((i) => `${i.local}/${i.prefixlen}`)]));
    expect(ipv4.eth0?.[0]).toMatch(/^10\.239\.0\.\d+\/24$/);
    expect(ipv4.net1?.[0]).toMatch(/^10\.239\.1\.\d+\/24$/);
    const listed = await ctrExec(containerd, DAEMON_ID, [
      "node",
      "/usr/lib/netattach/netattachctl.mjs",
      "list",
      "-o",
      "json",
      "--socket=/run/netattach/netattach.sock",
    ]);
    const list = JSON.parse(listed.stdout) as {
      attachments: Array<{ containerId: string; interfaces: Array<{ interface: string; network: string }> }>;
    };
    expect(
      list.attachments.map((a) => [a.containerId, a.interfaces.map((i) => `${i.interface}:${i.network}`)]),
    ).toEqual([[podSandboxId, [`eth0:${CLUSTER}`, `net1:default/${SECOND}`]]]);
    // The plugins were started by the image's netattach-spawner, not by forking the daemon.
    expect(await imageSpawners()).toHaveLength(1);

    await containerd.cri.stopPodSandbox({ podSandboxId });
    await containerd.cri.removePodSandbox({ podSandboxId });
    const after = await ctrExec(containerd, DAEMON_ID, [
      "node",
      "/usr/lib/netattach/netattachctl.mjs",
      "list",
      "-o",
      "json",
      "--socket=/run/netattach/netattach.sock",
    ]);
    expect(JSON.parse(after.stdout)).toEqual({ attachments: [] });
    expect(existsSync(netnsPath)).toBe(false);
    // host-local's reservations live in the mounted /var/lib/cni: only its bookkeeping is left.
    expect(
      (await filesUnder(join(dir, "cni-lib", "networks"))).filter(
        (f) => !/(^|\/)(lock|last_reserved_ip\.\d+)$/.test(f),
      ),
    ).toEqual([]);
    expect(await filesUnder(join(dir, "state", "attachments"))).toEqual([]);
  });
});

/** Running processes of the image's netattach-spawner (their exe, seen from the host, ends with its path). */
async function imageSpawners(): Promise<number[]> {
  const found: number[] = [];
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const exe = await readlink(`/proc/${name}/exe`).catch(() => "");
    if (exe.endsWith("/usr/lib/netattach/netattach-spawner")) found.push(Number(name));
  }
  return found;
}
