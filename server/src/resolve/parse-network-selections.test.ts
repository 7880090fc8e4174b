import { describe, expect, it } from "vitest";
import { DaemonError } from "../errors/daemon-error.js";
import { NETWORKS_ANNOTATION as ANN } from "./annotations.js";
import { checkSelections, parseNetworkSelections } from "./parse-network-selections.js";
import type { NetworkSelection } from "./types.js";

const parse = (value: string): NetworkSelection[] => parseNetworkSelections(value, "pod-ns", ANN);

function failure(value: string): DaemonError {
  try {
    parse(value);
  } catch (err) {
    expect(err).toBeInstanceOf(DaemonError);
    return err as DaemonError;
  }
  throw new Error(`no error for ${value}`);
}

const json = (elements: unknown): string => JSON.stringify(elements);
/** Error for one JSON element placed second, so messages must carry the right index. */
const elementFailure = (element: unknown): DaemonError => failure(json([{ name: "ok" }, element]));

describe("parseNetworkSelections: blank", () => {
  it.each(["", "   ", "\n"])("selects nothing for %j", (value) => expect(parse(value)).toEqual([]));
});

const R = "must be an integer of at least 8 (the plugin counts whole bytes)";

describe("parseNetworkSelections: text form", () => {
  it("parses name, ns/name, name@if and ns/name@if in order, filling the pod namespace", () => {
    expect(parse("macvlan-conf,default/ptp-conf@data0, a@net5 ,team-a/b")).toEqual([
      { name: "macvlan-conf", namespace: "pod-ns" },
      { name: "ptp-conf", namespace: "default", interface: "data0" },
      { name: "a", namespace: "pod-ns", interface: "net5" },
      { name: "b", namespace: "team-a" },
    ]);
  });

  it("tolerates spaces and tabs around elements", () => {
    expect(parse("  a ,\tb\t")).toEqual([
      { name: "a", namespace: "pod-ns" },
      { name: "b", namespace: "pod-ns" },
    ]);
  });

  it("keeps a network selected twice as two selections", () => {
    expect(parse("a,a")).toEqual([
      { name: "a", namespace: "pod-ns" },
      { name: "a", namespace: "pod-ns" },
    ]);
  });

  it("accepts a 15-byte interface name and a 63-character name", () => {
    const long = "n".repeat(63);
    expect(parse(`${long}@abcdefghijklmno`)).toEqual([
      { name: long, namespace: "pod-ns", interface: "abcdefghijklmno" },
    ]);
  });

  it.each([
    ["a,,b", 'element 2 (""): is empty'],
    ["a,", 'element 2 (""): is empty'],
    ["ns/a/b", "element 1 (\"ns/a/b\"): has more than one '/'"],
    ["a@x@y", "element 1 (\"a@x@y\"): has more than one '@'"],
    ["Macvlan", 'network name "Macvlan" is not a DNS-1123 label'],
    ["ns/", 'network name "" is not a DNS-1123 label'],
    ["a b", 'network name "a b" is not a DNS-1123 label'],
    ["-a", 'network name "-a" is not a DNS-1123 label'],
    [`${"n".repeat(64)}`, "is not a DNS-1123 label"],
    ["/a", 'namespace "" is not a DNS-1123 label'],
    ["Team_A/a", 'namespace "Team_A" is not a DNS-1123 label'],
  ])("rejects %j as INVALID_ANNOTATION", (value, message) => {
    const err = failure(value);
    expect(err.code).toBe("INVALID_ANNOTATION");
    expect(err.message).toContain(`${ANN}: `);
    expect(err.message).toContain(message);
    expect(err.context).toMatchObject({ source: ANN, phase: "resolve" });
  });

  it.each([
    ["a@", '"" is empty'],
    ["a@abcdefghijklmnop", '"abcdefghijklmnop" is longer than 15 bytes'],
    ["a@net:1", "contains / or : or whitespace"],
    ["a@..", '".." is . or ..'],
    // 8 characters but 16 bytes: the kernel counts bytes.
    [`a@${"é".repeat(8)}`, "is longer than 15 bytes"],
  ])("rejects the interface name in %j as INTERFACE_CONFLICT", (value, message) => {
    const err = failure(value);
    expect(err.code).toBe("INTERFACE_CONFLICT");
    expect(err.message).toContain(message);
    expect(err.context).toMatchObject({ source: ANN, network: "pod-ns/a", phase: "resolve" });
    expect(err.context.ifName).toBe(value.slice(2));
  });

  it("names the element, its position and network in the error", () => {
    const err = failure("good, team-a/Bad");
    expect(err.message).toBe(
      `${ANN}: element 2 ("team-a/Bad"): network name "Bad" is not a DNS-1123 label (lower case a-z, 0-9 and '-', at most 63)`,
    );
    expect(err.context.network).toBe("team-a/Bad");
  });
});

describe("parseNetworkSelections: JSON form", () => {
  it("detects JSON by '[', '{' or '\"' and parses the minimal element", () => {
    expect(parse('[{"name":"a"}]')).toEqual([{ name: "a", namespace: "pod-ns" }]);
    expect(parse('{"name":"a","namespace":"other"}')).toEqual([{ name: "a", namespace: "other" }]);
    expect(parse("[]")).toEqual([]);
  });

  it("reads every field of the spec (1.0-1.3) and Multus", () => {
    const element = {
      name: "macvlan-conf",
      namespace: "team-a",
      interface: "data0",
      ips: ["10.1.1.5/24", "fd00::5", "10.2.2.2"],
      mac: "02:03:04:05:06:07",
      "default-route": ["10.1.1.1", "fd00::1"],
      portMappings: [
        { hostPort: 8080, containerPort: 80, protocol: "tcp", hostIP: "192.0.2.1" },
        { hostPort: 5353, containerPort: 53, protocol: "UDP" },
        { hostPort: 1, containerPort: 65535 },
      ],
      bandwidth: { ingressRate: 1000000, ingressBurst: 2000000, egressRate: 3000000, egressBurst: 4000000 },
      "cni-args": { foo: "bar", nested: { n: 1 } },
      "infiniband-guid": "c2:11:22:33:44:55:66:77",
      deviceID: "0000:3b:00.2",
      "example.com/vendor-key": { ignored: true },
    };
    expect(parse(json([element]))).toEqual([
      {
        name: "macvlan-conf",
        namespace: "team-a",
        interface: "data0",
        ips: ["10.1.1.5/24", "fd00::5", "10.2.2.2"],
        mac: "02:03:04:05:06:07",
        defaultRoute: ["10.1.1.1", "fd00::1"],
        portMappings: [
          { hostPort: 8080, containerPort: 80, protocol: "tcp", hostIP: "192.0.2.1" },
          { hostPort: 5353, containerPort: 53, protocol: "UDP" },
          { hostPort: 1, containerPort: 65535 },
        ],
        bandwidth: { ingressRate: 1000000, ingressBurst: 2000000, egressRate: 3000000, egressBurst: 4000000 },
        cniArgs: { foo: "bar", nested: { n: 1 } },
        infinibandGuid: "c2:11:22:33:44:55:66:77",
        deviceId: "0000:3b:00.2",
      },
    ]);
  });

  it("reads ipam-claim-reference, an empty default-route and the legacy interfaceRequest", () => {
    expect(
      parse(json([{ name: "a", "ipam-claim-reference": "vm1.a.net1", "default-route": [], interfaceRequest: "net7" }])),
    ).toEqual([
      { name: "a", namespace: "pod-ns", ipamClaimReference: "vm1.a.net1", defaultRoute: [], interface: "net7" },
    ]);
    expect(parse(json([{ name: "a", interface: "net7", interfaceRequest: "net7" }]))).toEqual([
      { name: "a", namespace: "pod-ns", interface: "net7" },
    ]);
  });

  it("treats null like an absent key, as Go does", () => {
    expect(
      parse(json([{ name: "a", namespace: null, mac: null, ips: null, bandwidth: { ingressRate: null } }])),
    ).toEqual([{ name: "a", namespace: "pod-ns", bandwidth: {} }]);
  });

  it("takes a 6-byte MAC in each notation Go's ParseMAC reads, as the kernel writes it", () => {
    for (const mac of ["02:03:04:05:06:0a", "02:03:04:05:06:0A", "02-03-04-05-06-0a", "0203.0405.060A"]) {
      expect(parse(json([{ name: "a", mac }]))[0]?.mac).toBe("02:03:04:05:06:0a");
    }
  });

  it("takes the bandwidth plugin's extreme pairs that the kernel accepts", () => {
    for (const bandwidth of [
      { ingressRate: 8, ingressBurst: 34359738359 },
      { ingressRate: 9007199254740991, ingressBurst: 34359738359 },
      { ingressRate: 8000000000, ingressBurst: 8000 },
      { egressRate: 1000000, egressBurst: 4294967295 },
    ])
      expect(parse(json([{ name: "a", bandwidth }]))[0]?.bandwidth).toEqual(bandwidth);
  });

  it("keeps order and allows the same network twice", () => {
    expect(
      parse(json([{ name: "b" }, { name: "a" }, { name: "b", interface: "x1" }])).map(
        (s) => s.name + (s.interface ?? ""),
      ),
    ).toEqual(["b", "a", "bx1"]);
  });

  it.each([
    ["[{name:a}]", "is neither the text form (ns/name@if, ...) nor valid JSON"],
    ['"a"', 'JSON form must be an array of objects or one object, got "a"'],
    ["[1]", "element 1: is not a JSON object: 1"],
    ['[["a"]]', 'element 1: is not a JSON object: ["a"]'],
  ])("rejects the JSON value %j", (value, message) => {
    const err = failure(value);
    expect(err.code).toBe("INVALID_ANNOTATION");
    expect(err.message.startsWith(`${ANN}: ${message}`)).toBe(true);
    expect(err.context).toMatchObject({ source: ANN, phase: "resolve" });
  });

  it("keeps the JSON parser's error as cause", () => {
    expect(failure("[{").cause).toBeInstanceOf(SyntaxError);
  });

  it("names annotation, element index, name, field and bad value", () => {
    const err = failure(json([{ name: "a" }, { name: "macvlan-conf", mac: "zz:zz:zz:zz:zz:zz" }]));
    expect(err.message).toBe(`${ANN}: element 2 ("macvlan-conf"): "mac" is not a MAC address: "zz:zz:zz:zz:zz:zz"`);
    expect(err.context).toEqual({ network: "pod-ns/macvlan-conf", source: ANN, phase: "resolve" });
  });

  it.each<[string, unknown, string]>([
    ["name missing", { namespace: "x" }, 'element 2: "name" is required'],
    ["name empty", { name: "" }, 'element 2: "name" must be a non-empty string, got ""'],
    ["name not a string", { name: 5 }, '"name" must be a non-empty string, got 5'],
    ["name not a label", { name: "My_Net" }, '"name" "My_Net" is not a DNS-1123 label'],
    ["namespace not a label", { name: "a", namespace: "A" }, '"namespace" "A" is not a DNS-1123 label'],
    ["namespace not a string", { name: "a", namespace: 1 }, '"namespace" must be a non-empty string, got 1'],
    ["unknown key", { name: "a", ipz: [] }, 'unknown key "ipz"'],
    ["unknown key (camel case typo)", { name: "a", defaultRoute: [] }, 'unknown key "defaultRoute"'],
    [
      "interfaces disagree",
      { name: "a", interface: "x", interfaceRequest: "y" },
      '"interface" "x" and legacy "interfaceRequest" "y" disagree',
    ],
    ["interface not a string", { name: "a", interface: 3 }, '"interface" must be a non-empty string, got 3'],
    ["ips not an array", { name: "a", ips: "10.0.0.1" }, '"ips" must be an array of strings, got "10.0.0.1"'],
    [
      "ips bad entry",
      { name: "a", ips: ["10.0.0.1", "10.0.0.300"] },
      '"ips" entry 2 is not an IP address or CIDR: "10.0.0.300"',
    ],
    [
      "ips bad prefix",
      { name: "a", ips: ["10.0.0.1/33"] },
      '"ips" entry 1 is not an IP address or CIDR: "10.0.0.1/33"',
    ],
    ["ips v6 bad prefix", { name: "a", ips: ["fd00::1/129"] }, '"ips" entry 1 is not an IP address or CIDR'],
    ["ips non-string", { name: "a", ips: [1] }, '"ips" entry 1 is not an IP address or CIDR: 1'],
    ["ips unspecified", { name: "a", ips: ["0.0.0.0/0"] }, '"ips" entry 1 has prefix length 0'],
    [
      "ips unspecified v4",
      { name: "a", ips: ["0.0.0.0/24"] },
      '"ips" entry 1 is the unspecified address: "0.0.0.0/24"',
    ],
    ["ips unspecified v6", { name: "a", ips: ["::/64"] }, '"ips" entry 1 is the unspecified address: "::/64"'],
    ["ips multicast", { name: "a", ips: ["224.0.0.5/24"] }, '"ips" entry 1 is a multicast address'],
    ["ips multicast v6", { name: "a", ips: ["ff02::1/64"] }, '"ips" entry 1 is a multicast address'],
    // IPv4-mapped is that IPv4 address, as the plugins take it.
    ["ips multicast mapped", { name: "a", ips: ["::ffff:224.0.0.5/120"] }, '"ips" entry 1 is a multicast address'],
    // Static IPAM sets ::ffff:10.0.0.5/64 as 10.0.0.5/0 (seen with the real plugin).
    [
      "ips mapped, no IPv4 length left",
      { name: "a", ips: ["::ffff:10.0.0.5/64"] },
      `"ips" entry 1 has prefix length 0 as the plugins take it (an IPv4-mapped address's length counts past its first 96 bits), which would route everything through it: "::ffff:10.0.0.5/64"`,
    ],
    [
      "ips unspecified mapped",
      { name: "a", ips: ["::ffff:0.0.0.0/120"] },
      '"ips" entry 1 is the unspecified address: "::ffff:0.0.0.0/120"',
    ],
    [
      "ips twice",
      { name: "a", ips: ["10.0.0.5/24", "fd00::5/64", "10.0.0.5/16"] },
      '"ips" entry 3 repeats the address of entry 1: "10.0.0.5/16"',
    ],
    [
      "mac multicast",
      { name: "a", mac: "01:00:5e:00:00:01" },
      '"mac" is a multicast (group) address: "01:00:5e:00:00:01"',
    ],
    ["mac broadcast", { name: "a", mac: "ff:ff:ff:ff:ff:ff" }, '"mac" is a multicast (group) address'],
    ["mac zero", { name: "a", mac: "00:00:00:00:00:00" }, '"mac" is the all-zero address'],
    ["mac bad", { name: "a", mac: "02:03:04:05:06" }, '"mac" is not a MAC address: "02:03:04:05:06"'],
    ["mac mixed separators", { name: "a", mac: "02:03-04:05:06:07" }, '"mac" is not a MAC address'],
    ["mac not a string", { name: "a", mac: 7 }, '"mac" must be a non-empty string, got 7'],
    // Finding 7: the kernel kept the first 6 bytes while the answer reported all of them.
    [
      "mac of 8 bytes",
      { name: "a", mac: "02:11:22:33:44:55:66:77" },
      '"mac" has 8 bytes, not the 6 of an Ethernet MAC (xx:xx:xx:xx:xx:xx; an InfiniBand GUID goes in "infiniband-guid"): "02:11:22:33:44:55:66:77"',
    ],
    ["mac of 20 bytes", { name: "a", mac: Array(20).fill("02").join(":") }, '"mac" has 20 bytes, not the 6'],
    ["mac dotted of 8 bytes", { name: "a", mac: "0211.2233.4455.6677" }, '"mac" has 8 bytes'],
    ["mac multicast of 8 bytes", { name: "a", mac: "01:00:5e:00:00:01:00:00" }, '"mac" has 8 bytes'],
    [
      "default-route CIDR",
      { name: "a", "default-route": ["10.0.0.1/24"] },
      '"default-route" entry 1 is not an IP address: "10.0.0.1/24"',
    ],
    [
      "default-route not an array",
      { name: "a", "default-route": "10.0.0.1" },
      '"default-route" must be an array of strings',
    ],
    ["portMappings not an array", { name: "a", portMappings: {} }, '"portMappings" must be an array, got {}'],
    [
      "portMappings entry not object",
      { name: "a", portMappings: [8080] },
      '"portMappings" entry 1 must be a JSON object, got 8080',
    ],
    [
      "hostPort missing",
      { name: "a", portMappings: [{ containerPort: 80 }] },
      '"portMappings" entry 1: hostPort must be a port number 1-65535, got undefined',
    ],
    [
      "hostPort 0",
      { name: "a", portMappings: [{ hostPort: 0, containerPort: 80 }] },
      "hostPort must be a port number 1-65535, got 0",
    ],
    [
      "containerPort too big",
      { name: "a", portMappings: [{ hostPort: 1, containerPort: 65536 }] },
      "containerPort must be a port number 1-65535, got 65536",
    ],
    [
      "port fractional",
      { name: "a", portMappings: [{ hostPort: 1.5, containerPort: 80 }] },
      "hostPort must be a port number 1-65535, got 1.5",
    ],
    [
      "port string",
      { name: "a", portMappings: [{ hostPort: "80", containerPort: 80 }] },
      'hostPort must be a port number 1-65535, got "80"',
    ],
    [
      "protocol bad",
      { name: "a", portMappings: [{ hostPort: 1, containerPort: 2, protocol: "icmp" }] },
      'protocol must be tcp, udp or sctp, got "icmp"',
    ],
    [
      "hostIP bad",
      { name: "a", portMappings: [{ hostPort: 1, containerPort: 2, hostIP: "host" }] },
      'hostIP is not an IP address: "host"',
    ],
    [
      "portMapping unknown key",
      { name: "a", portMappings: [{ hostPort: 1, containerPort: 2, hostport: 3 }] },
      '"portMappings" entry 1 has unknown key "hostport"',
    ],
    ["bandwidth not object", { name: "a", bandwidth: [1] }, '"bandwidth" must be a JSON object, got [1]'],
    [
      "bandwidth zero",
      { name: "a", bandwidth: { ingressRate: 0 } },
      '"bandwidth".ingressRate must be an integer of at least 8 (the plugin counts whole bytes), got 0',
    ],
    [
      "bandwidth negative",
      { name: "a", bandwidth: { egressRate: -5 } },
      '"bandwidth".egressRate must be an integer of at least 8 (the plugin counts whole bytes), got -5',
    ],
    [
      "bandwidth string",
      { name: "a", bandwidth: { egressRate: "1M" } },
      '"bandwidth".egressRate must be an integer of at least 8 (the plugin counts whole bytes), got "1M"',
    ],
    // Finding 8: each of these passed the daemon and failed the bandwidth plugin's ADD and DEL (1.1.1).
    [
      "bandwidth burst over 4 GiB",
      { name: "a", bandwidth: { egressRate: 1000000, egressBurst: 34359738368 } },
      '"bandwidth".egressBurst 34359738368 with egressRate 1000000 is over the plugin\'s 4 GiB (at most 34359738359 bits)',
    ],
    [
      "bandwidth burst under a microsecond of its rate",
      { name: "a", bandwidth: { ingressRate: 9007199254740991, ingressBurst: 1000000 } },
      '"bandwidth".ingressBurst 1000000 with ingressRate 9007199254740991 holds less than its rate sends in a microsecond (at least 9007199256 bits), which the kernel refuses',
    ],
    [
      "bandwidth burst smaller than a frame",
      { name: "a", bandwidth: { ingressRate: 3200000, ingressBurst: 511 } },
      '"bandwidth".ingressBurst 511 with ingressRate 3200000 is less than a 64-byte frame (512 bits), so no packet would pass',
    ],
    [
      "bandwidth rate under a byte",
      { name: "a", bandwidth: { ingressRate: 1, ingressBurst: 1 } },
      `"bandwidth".ingressRate ${R}, got 1`,
    ],
    [
      "bandwidth rate without burst",
      { name: "a", bandwidth: { egressRate: 1000000 } },
      '"bandwidth".egressRate requires egressBurst (the bandwidth plugin refuses one alone)',
    ],
    [
      "ingress burst without rate",
      { name: "a", bandwidth: { ingressBurst: 10 } },
      '"bandwidth".ingressBurst requires ingressRate',
    ],
    [
      "egress burst without rate",
      { name: "a", bandwidth: { egressBurst: 1000, ingressRate: 8000, ingressBurst: 8000 } },
      '"bandwidth".egressBurst requires egressRate',
    ],
    ["bandwidth unknown key", { name: "a", bandwidth: { rate: 1 } }, '"bandwidth" has unknown key "rate"'],
    ["cni-args array", { name: "a", "cni-args": ["x"] }, '"cni-args" must be a JSON object, got ["x"]'],
    ["cni-args string", { name: "a", "cni-args": "x=y" }, '"cni-args" must be a JSON object, got "x=y"'],
    // Finding 6: host-local read args.cni.ips on a network that does not declare the ips capability.
    [
      "cni-args ips",
      { name: "a", "cni-args": { ips: ["10.251.5.50/24"] } },
      '"cni-args" key "ips" would give plugins an "ips" without the option\'s checks and without the network\'s capability for it: use the "ips" option instead, got ["10.251.5.50/24"]',
    ],
    [
      "cni-args IPs",
      { name: "a", "cni-args": { IPs: ["10.99.0.5/24"] } },
      '"cni-args" key "IPs" would give plugins an "ips"',
    ],
    ["cni-args mac", { name: "a", "cni-args": { mac: "02:11:22:33:44:55" } }, 'use the "mac" option instead'],
    [
      "cni-args infinibandGUID",
      { name: "a", "cni-args": { infinibandGUID: "c2:11:22:33:44:55:66:77" } },
      'use the "infiniband-guid" option instead',
    ],
    [
      "infiniband-guid 6 bytes",
      { name: "a", "infiniband-guid": "02:03:04:05:06:07" },
      '"infiniband-guid" is not an 8-byte GUID (xx:xx:xx:xx:xx:xx:xx:xx): "02:03:04:05:06:07"',
    ],
    [
      "infiniband-guid dotted",
      { name: "a", "infiniband-guid": "0203.0405.0607.0809" },
      '"infiniband-guid" is not an 8-byte GUID',
    ],
    ["deviceID empty", { name: "a", deviceID: "" }, '"deviceID" must be a non-empty string, got ""'],
    ["deviceID number", { name: "a", deviceID: 3 }, '"deviceID" must be a non-empty string, got 3'],
    ...["../../../../tmp/r5b/fakepci", "00:03.0", "0000:00:20.0", "0000:00:03.8", "eth0/..", "..", ".x", "a..b"].map(
      (id) =>
        [
          `deviceID ${id}`,
          { name: "a", deviceID: id },
          `"deviceID" must be a PCI address (domain:bus:device.function, e.g. 0000:03:00.1) or a device name of letters, digits, '_', '-' and '.' (e.g. mlx5_core.sf.4), not a path, got "${id}"`,
        ] as [string, unknown, string],
    ),
    [
      "ipam-claim-reference number",
      { name: "a", "ipam-claim-reference": 1 },
      '"ipam-claim-reference" must be a non-empty string, got 1',
    ],
    [
      "ips with ipam-claim-reference",
      { name: "a", ips: ["10.0.0.1/24"], "ipam-claim-reference": "c" },
      '"ips" and "ipam-claim-reference" cannot be used together',
    ],
  ])("rejects %s", (_label, element, message) => {
    const err = elementFailure(element);
    expect(err.code).toBe("INVALID_ANNOTATION");
    expect(err.message.startsWith(`${ANN}: element 2`)).toBe(true);
    expect(err.message).toContain(message);
    expect(err.context).toMatchObject({ source: ANN, phase: "resolve" });
  });

  it.each(["0000:00:1f.7", "0000:3B:00.2", "10000:e1:00.0", "mlx5_core.sf.4", "mlx5_core.eth.0"])(
    "accepts the deviceID %s (a PCI address, either case, or an auxiliary device name)",
    (deviceID) => {
      expect(parse(JSON.stringify([{ name: "a", deviceID }]))[0]!.deviceId).toBe(deviceID);
    },
  );

  it.each([
    [
      { name: "a", interface: "abcdefghijklmnop" },
      '"interface" "abcdefghijklmnop" is longer than 15 bytes',
      "abcdefghijklmnop",
    ],
    [{ name: "a", interface: "eth 0" }, `"interface" "eth 0" contains / or : or whitespace`, "eth 0"],
    [{ name: "a", interfaceRequest: "a/b" }, '"interfaceRequest" "a/b" contains', "a/b"],
  ])("rejects interface names as INTERFACE_CONFLICT (%j)", (element, message, ifName) => {
    const err = elementFailure(element);
    expect(err.code).toBe("INTERFACE_CONFLICT");
    expect(err.message).toContain(`element 2 ("a"): ${message}`);
    expect(err.context).toEqual({ network: "pod-ns/a", source: ANN, phase: "resolve", ifName });
  });

  it("uses the element's namespace in the error context", () => {
    expect(elementFailure({ name: "a", namespace: "team-b", mac: "x" }).context.network).toBe("team-b/a");
  });

  it("bounds long bad values in messages", () => {
    const err = elementFailure({ name: "a", mac: "x".repeat(500) });
    expect(err.message.length).toBeLessThan(200);
    expect(err.message).toContain("...");
  });
});

describe("checkSelections (explicit request selections)", () => {
  it("fills the namespace and passes valid selections through", () => {
    expect(
      checkSelections(
        [
          { name: "a", interface: "net3", ips: ["10.0.0.2/24"], cniArgs: { k: "v" } },
          { name: "b", namespace: "x" },
        ],
        "pod-ns",
        "request selections",
      ),
    ).toEqual([
      { name: "a", namespace: "pod-ns", interface: "net3", ips: ["10.0.0.2/24"], cniArgs: { k: "v" } },
      { name: "b", namespace: "x" },
    ]);
  });

  it("applies the same checks and names the request field", () => {
    expect(() => checkSelections([{ name: "a" }, { name: "b", mac: "nope" }], "pod-ns", "request selections")).toThrow(
      'request selections: element 2 ("b"): "mac" is not a MAC address: "nope"',
    );
  });
});
