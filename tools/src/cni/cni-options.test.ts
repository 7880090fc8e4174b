import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { UsageError } from "../command.js";
import { parseCniOptions } from "./cni-options.js";
import { cnitoolContainerId } from "./cni-options.js";
import { parseDuration } from "./parse-duration.js";

const parse = (argv: string[], env: Record<string, string> = {}) => parseCniOptions(argv, env, "/work");

describe("parseCniOptions", () => {
  it("applies the documented defaults for add", () => {
    const inv = parse(["add", "mynet", "/var/run/netns/a"]);
    expect(inv).toMatchObject({
      op: "add",
      target: "mynet",
      netns: "/var/run/netns/a",
      containerId: cnitoolContainerId("/var/run/netns/a"),
      ifName: "eth0",
      cniArgs: [],
      capArgs: undefined,
      binDirs: ["/usr/lib/cni", "/opt/cni/bin"],
      confDir: "/etc/cni/net.d",
      cacheDir: "/var/lib/netattach/cni",
      timeoutMs: 60_000,
      validAttachments: undefined,
    });
  });

  it("resolves and cleans the netns path (like filepath.Abs) before deriving the container id", () => {
    const inv = parse(["add", "mynet", "ns/x"]);
    expect(inv?.netns).toBe("/work/ns/x");
    expect(inv?.containerId).toBe(cnitoolContainerId("/work/ns/x"));
    expect(parse(["add", "mynet", "/var/run//netns/./a/"])?.netns).toBe("/var/run/netns/a");
  });

  it("takes every flag", () => {
    const inv = parse([
      "check",
      "net.conflist",
      "/run/netns/b",
      "--container-id",
      "c1",
      "--ifname",
      "net1",
      "--cni-args",
      "K8S_POD_NAME=p;X=a:b",
      "--cap-args",
      '{"portMappings":[{"HostPort":80}]}',
      "--bin-dir",
      "/a:/b",
      "--bin-dir",
      "rel",
      "--conf-dir",
      "/c",
      "--cache-dir",
      "cache",
      "--timeout",
      "2s",
      "-v",
    ]);
    expect(inv).toMatchObject({
      op: "check",
      containerId: "c1",
      ifName: "net1",
      cniArgs: [
        ["K8S_POD_NAME", "p"],
        ["X", "a:b"],
      ],
      capArgs: { portMappings: [{ HostPort: 80 }] },
      binDirs: ["/a", "/b", "/work/rel"],
      confDir: "/c",
      cacheDir: "/work/cache",
      timeoutMs: 2000,
      verbose: true,
    });
  });

  it("falls back to cnitool's environment variables; flags win", () => {
    const env = {
      NETCONFPATH: "/nc",
      CNI_PATH: "/p1:/p2",
      CNI_ARGS: "A=1",
      CAP_ARGS: '{"mac":"c2:00:00:00:00:01"}',
      CNI_IFNAME: "eth9",
    };
    expect(parse(["add", "n", "/ns"], env)).toMatchObject({
      confDir: "/nc",
      binDirs: ["/p1", "/p2"],
      cniArgs: [["A", "1"]],
      capArgs: { mac: "c2:00:00:00:00:01" },
      ifName: "eth9",
    });
    expect(parse(["add", "n", "/ns", "--ifname", "eth1", "--bin-dir", "/x"], env)).toMatchObject({
      ifName: "eth1",
      binDirs: ["/x"],
    });
  });

  it("allows del without a netns when a container id is given", () => {
    expect(parse(["del", "n", "--container-id", "c1"])).toMatchObject({ netns: "", containerId: "c1" });
    expect(() => parse(["del", "n"])).toThrow(UsageError);
  });

  it("parses gc --valid attachments", () => {
    expect(parse(["gc", "n", "--valid", "c1:eth0", "--valid", "c2:net1"])?.validAttachments).toEqual([
      { containerId: "c1", ifName: "eth0" },
      { containerId: "c2", ifName: "net1" },
    ]);
    expect(parse(["gc", "n"])?.validAttachments).toBeUndefined();
  });

  it("returns undefined for --help", () => {
    expect(parse(["--help"])).toBeUndefined();
    expect(parse(["add", "-h"])).toBeUndefined();
  });

  it.each([
    [[], /missing operation/],
    [["frob", "n"], /unknown operation "frob"/],
    [["add"], /missing network name/],
    [["version"], /missing plugin type/],
    [["add", "n"], /missing netns path/],
    [["status", "n", "/ns"], /unexpected argument "\/ns"/],
    [["add", "n", "/ns", "extra"], /unexpected argument "extra"/],
    [["add", "n", "/ns", "--bogus"], /bogus/],
    [["add", "n", "/ns", "--cap-args", "{nope"], /--cap-args is not valid JSON/],
    [["add", "n", "/ns", "--cap-args", "[1]"], /must be a JSON object/],
    [["add", "n", "/ns", "--cni-args", "A"], /invalid CNI_ARGS pair "A"/],
    [["add", "n", "/ns", "--cni-args", "=1"], /--cni-args: invalid CNI_ARGS pair "=1": empty key/],
    [["add", "n", "/ns", "--cni-args", "X=a=b"], /--cni-args: invalid CNI_ARGS pair "X=a=b": the value contains '='/],
    [["add", "n", "/ns", "--timeout", "soon"], /--timeout "soon"/],
    [["gc", "n", "--valid", "nocolon"], /invalid attachment "nocolon"/],
    [["add", "n", "/ns", "--valid", "a:b"], /--valid is only for gc/],
  ])("rejects %j as a usage error", (argv, message) => {
    expect(() => parse(argv)).toThrow(UsageError);
    expect(() => parse(argv)).toThrow(message);
  });
});

describe("cnitoolContainerId", () => {
  it("is cnitool-<first 10 bytes of sha512(path) in hex>", () => {
    const path = "/var/run/netns/test";
    const id = cnitoolContainerId(path);
    expect(id).toBe("cnitool-" + createHash("sha512").update(path).digest().subarray(0, 10).toString("hex"));
    expect(id).toHaveLength("cnitool-".length + 20);
    expect(cnitoolContainerId("/var/run/netns/other")).not.toBe(id);
  });
});

describe("parseDuration", () => {
  it.each([
    ["1500", 1500],
    ["500ms", 500],
    ["30s", 30_000],
    ["1.5s", 1500],
    ["2m", 120_000],
  ])("%s → %d ms", (text, ms) => expect(parseDuration(text)).toBe(ms));
  it.each(["", "0", "-1s", "5h", "abc"])("rejects %j", (text) => expect(parseDuration(text)).toBeUndefined());
});
