import { describe, expect, it } from "vitest";
import { ALL_VERSIONS } from "../spec/version.js";
import { CniError } from "../spec/errors.js";
import type { CniResult } from "../spec/types.js";
import { convertResult } from "./convert-result.js";
import { r020, r040, r100 } from "./fixtures.test-helper.js";
import { parseResult } from "./parse-result.js";
import { toResult100 } from "./result100.js";
import { resultFamily } from "./versions.js";

const sample = (v: string): CniResult => {
  const fam = resultFamily(v);
  return fam === "020" ? r020(v) : fam === "040" ? r040(v) : r100(v);
};

const V020 = ["0.1.0", "0.2.0"];
const V040 = ["0.3.0", "0.3.1", "0.4.0"];
const V100 = ["1.0.0", "1.1.0"];
const pairs = (from: string[], to: string[]): Array<[string, string]> =>
  from.flatMap((f) => to.map((t) => [f, t] as [string, string]));

describe("every version pair", () => {
  describe.each(pairs([...ALL_VERSIONS], [...ALL_VERSIONS]))("%s → %s", (from, to) => {
    it("yields a valid result of the target version without touching the input", () => {
      const input = sample(from);
      const before = structuredClone(input);
      const out = convertResult(input, to);
      expect(out.cniVersion).toBe(to);
      expect(() => parseResult(out, to)).not.toThrow();
      expect(input).toEqual(before);
    });

    it("keeps unknown top-level keys", () => {
      const out = convertResult({ ...sample(from), "x-extra": { keep: [1] } }, to);
      expect(out["x-extra"]).toEqual({ keep: [1] });
    });
  });
});

describe("same family: only cniVersion changes", () => {
  it.each([...pairs(V020, V020), ...pairs(V040, V040), ...pairs(V100, V100)])("%s → %s", (from, to) => {
    expect(convertResult(sample(from), to)).toEqual({ ...sample(from), cniVersion: to });
  });

  it("keeps the 1.1 fields going 1.1.0 → 1.0.0", () => {
    const out = convertResult(r100("1.1.0"), "1.0.0") as unknown as {
      interfaces: Array<{ mtu?: number; pciID?: string }>;
    };
    expect(out.interfaces[1]).toMatchObject({ mtu: 1450, pciID: "0000:04:00.5" });
  });
});

describe("0.1/0.2 → 0.3.x/0.4.0", () => {
  it.each(pairs(V020, V040))("%s → %s: ip4/ip6 become ips with version, routes merged", (from, to) => {
    expect(convertResult(r020(from), to)).toEqual({
      cniVersion: to,
      ips: [
        { version: "4", address: "10.1.0.5/16", gateway: "10.1.0.1" },
        { version: "6", address: "2001:db8::5/64" },
      ],
      routes: [{ dst: "0.0.0.0/0" }, { dst: "192.168.0.0/16", gw: "10.1.0.254" }, { dst: "::/0", gw: "2001:db8::1" }],
      dns: { nameservers: ["10.1.0.1"], domain: "example.com" },
    });
  });

  it("handles an IPv6-only result and keeps unknown keys of the ip config", () => {
    const out = convertResult({ cniVersion: "0.2.0", ip6: { ip: "fd00::2/64", label: "x" } }, "0.4.0");
    expect(out).toEqual({ cniVersion: "0.4.0", ips: [{ version: "6", address: "fd00::2/64", label: "x" }] });
  });
});

describe("0.1/0.2 → 1.x (via 0.4.0)", () => {
  it.each(pairs(V020, V100))("%s → %s: ips without version", (from, to) => {
    const out = convertResult(r020(from), to);
    expect(out["ips"]).toEqual([{ address: "10.1.0.5/16", gateway: "10.1.0.1" }, { address: "2001:db8::5/64" }]);
    expect(out["routes"]).toHaveLength(3);
    expect(out["ip4"]).toBeUndefined();
    expect(out["ip6"]).toBeUndefined();
  });
});

describe("0.3.x/0.4.0 → 1.x", () => {
  it.each(pairs(V040, V100))("%s → %s: drops the ip version only", (from, to) => {
    const { ips, ...rest } = r040(from) as unknown as { ips: Array<{ version?: string }> };
    expect(convertResult(r040(from), to)).toEqual({
      ...rest,
      cniVersion: to,
      ips: ips.map(({ version: _v, ...ip }) => ip),
    });
  });
});

describe("1.x → 0.3.x/0.4.0", () => {
  it.each(pairs(V100, V040))(
    "%s → %s: version from the address, interface mtu/socketPath/pciID dropped",
    (from, to) => {
      const out = convertResult(r100(from), to);
      expect(out["interfaces"]).toEqual([
        { name: "cni0", mac: "aa:bb:cc:dd:ee:01" },
        { name: "eth0", mac: "aa:bb:cc:dd:ee:02", sandbox: "/var/run/netns/x" },
      ]);
      expect((out["ips"] as Array<{ version: string }>).map((ip) => ip.version)).toEqual(["4", "4", "6", "6"]);
      expect(out["ips"]).toContainEqual({ version: "4", address: "10.1.0.5/16", gateway: "10.1.0.1", interface: 1 });
      // libcni copies routes with every field
      expect(out["routes"]).toEqual(r100()["routes"]);
      expect(out["dns"]).toEqual(r100()["dns"]);
    },
  );

  it("keeps unknown keys on interfaces and ips and infers v4 for IPv4-mapped IPv6", () => {
    const out = convertResult(
      {
        cniVersion: "1.0.0",
        interfaces: [{ name: "e", vendor: 1, mtu: 9000 }],
        ips: [{ address: "::ffff:10.0.0.1/120", tag: "t" }],
      },
      "0.4.0",
    );
    expect(out["interfaces"]).toEqual([{ name: "e", vendor: 1 }]);
    expect(out["ips"]).toEqual([{ version: "4", address: "::ffff:10.0.0.1/120", tag: "t" }]);
  });
});

describe("0.3+/1.x → 0.1/0.2", () => {
  it.each([...pairs(V100, V020)])("%s → %s: first v4 and first v6 only, routes per family with dst/gw", (from, to) => {
    expect(convertResult(r100(from), to)).toEqual({
      cniVersion: to,
      ip4: { ip: "10.1.0.5/16", gateway: "10.1.0.1", routes: [{ dst: "0.0.0.0/0", gw: "10.1.0.1" }] },
      ip6: { ip: "2001:db8::5/64", routes: [{ dst: "::/0", gw: "2001:db8::1" }] },
      dns: { nameservers: ["10.1.0.1"], search: ["svc"], options: ["ndots:5"] },
    });
  });

  it.each(pairs(V040, V020))("%s → %s: interfaces dropped, version used for the family", (from, to) => {
    expect(convertResult(r040(from), to)).toEqual({
      cniVersion: to,
      ip4: { ip: "10.1.0.5/16", gateway: "10.1.0.1", routes: [{ dst: "0.0.0.0/0", gw: "10.1.0.1" }] },
      ip6: { ip: "2001:db8::5/64", routes: [{ dst: "::/0" }] },
      dns: { nameservers: ["10.1.0.1"] },
    });
  });

  it("drops routes of a family that has no address", () => {
    const out = convertResult(
      { cniVersion: "1.0.0", ips: [{ address: "10.0.0.2/24" }], routes: [{ dst: "0.0.0.0/0" }, { dst: "::/0" }] },
      "0.2.0",
    );
    expect(out).toEqual({ cniVersion: "0.2.0", ip4: { ip: "10.0.0.2/24", routes: [{ dst: "0.0.0.0/0" }] } });
  });

  it("fails with code 1 when there is no address to carry", () => {
    const convert = () => convertResult({ cniVersion: "1.0.0", interfaces: [{ name: "eth0" }] }, "0.2.0");
    expect(convert).toThrow(CniError);
    expect(convert).toThrow(expect.objectContaining({ code: 1, kind: "incompatible-version" }) as Error);
    expect(convert).toThrow("cannot convert CNI result version 1.0.0 to 0.2.0: no valid IP addresses");
  });

  it("round-trips a 0.2.0 result through 1.1.0", () => {
    expect(convertResult(convertResult(r020(), "1.1.0"), "0.2.0")).toEqual(r020());
  });
});

describe("unknown versions", () => {
  it.each([
    ["1.0.0", "1.2.0"],
    ["1.0.0", "2.0.0"],
    ["0.5.0", "1.0.0"],
    ["1.0.0", ""],
  ])("%s → %s fails with code 1", (from, to) => {
    const convert = () => convertResult({ ...r100(), cniVersion: from }, to);
    expect(convert).toThrow(`no converter for CNI result version ${from} to ${to}`);
    expect(convert).toThrow(expect.objectContaining({ code: 1, kind: "incompatible-version" }) as Error);
  });
});

describe("toResult100", () => {
  it.each([...ALL_VERSIONS])("gives a typed 1.1.0 view of a %s result", (v) => {
    const view = toResult100(sample(v));
    expect(view.cniVersion).toBe("1.1.0");
    expect(view.ips?.[0]?.address).toBe("10.1.0.5/16");
    expect(view.ips?.every((ip) => !("version" in ip))).toBe(true);
  });
});
