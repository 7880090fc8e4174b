import { describe, expect, it } from "vitest";
import { CniError } from "../spec/errors.js";
import { r020, r040, r100 } from "./fixtures.test-helper.js";
import { adoptResult, parseResult } from "./parse-result.js";

function parseError(raw: unknown, version = "1.0.0"): CniError {
  try {
    parseResult(raw, version, "bridge");
  } catch (err) {
    expect(err).toBeInstanceOf(CniError);
    const e = err as CniError;
    expect(e.kind).toBe("bad-output");
    expect(e.code).toBe(6);
    expect(e.plugin).toBe("bridge");
    expect(e.message).toContain('plugin "bridge"');
    return e;
  }
  throw new Error("expected a CniError");
}

describe("parseResult: valid results per family", () => {
  describe.each([
    ["0.1.0", r020],
    ["0.2.0", r020],
    ["0.3.0", r040],
    ["0.3.1", r040],
    ["0.4.0", r040],
    ["1.0.0", r100],
    ["1.1.0", r100],
  ] as const)("%s", (version, make) => {
    it("accepts the family shape and returns an equal copy", () => {
      const raw = make(version);
      const parsed = parseResult(raw, "1.1.0");
      expect(parsed).toEqual(raw);
      expect(parsed).not.toBe(raw);
    });

    it("assumes the config version when cniVersion is missing or empty", () => {
      const { cniVersion: _omit, ...raw } = make(version);
      expect(parseResult(raw, version).cniVersion).toBe(version);
      expect(parseResult({ ...raw, cniVersion: "" }, version).cniVersion).toBe(version);
    });
  });

  it("keeps unknown keys everywhere", () => {
    const raw = {
      cniVersion: "1.0.0",
      extra: { a: 1 },
      interfaces: [{ name: "eth0", vendor: "x" }],
      ips: [{ address: "10.0.0.2/24", note: "n" }],
      routes: [{ dst: "0.0.0.0/0", weight: 3 }],
    };
    expect(parseResult(raw, "1.0.0")).toEqual(raw);
  });

  it("does not share objects with its input", () => {
    const raw = r100();
    const parsed = parseResult(raw, "1.1.0") as unknown as { ips: Array<{ address: string }> };
    parsed.ips[0]!.address = "1.2.3.4/32";
    expect(raw).toEqual(r100());
  });

  it("accepts an IPAM-style result with no interfaces, and null optional fields", () => {
    const raw = { cniVersion: "1.0.0", ips: [{ address: "10.0.0.2/24", gateway: null }], dns: null };
    expect(parseResult(raw, "1.0.0").cniVersion).toBe("1.0.0");
  });
});

describe("parseResult: errors name the plugin and the problem", () => {
  it.each([
    [null, "JSON object"],
    [[], "JSON object"],
    ["x", "JSON object"],
    [{ cniVersion: 1 }, "cniVersion must be a string"],
    [{ cniVersion: "9.9.9" }, 'unsupported CNI result version "9.9.9"'],
  ])("%j → %s", (raw, want) => {
    expect(parseError(raw).message).toContain(want);
  });

  it("rejects an unknown config version when the result has none", () => {
    expect(parseError({}, "2.0.0").message).toContain('"2.0.0"');
  });

  it.each([
    [{ ips: [{ address: "10.0.0.2" }] }, "ips[0].address must be an address in CIDR notation"],
    [{ ips: [{ address: "10.0.0.2/33" }] }, "ips[0].address"],
    [{ ips: [{ address: "10.0.0.2/24", gateway: "nope" }] }, "ips[0].gateway must be an IP address"],
    [{ ips: [{ address: "10.0.0.2/24", interface: 0 }] }, "ips[0].interface 0 is out of range"],
    [{ ips: [{ address: "10.0.0.2/24", interface: -1 }] }, "ips[0].interface must be a non-negative integer"],
    [{ ips: {} }, "ips must be an array"],
    [{ ips: [7] }, "ips[0] must be an object"],
    [{ interfaces: [{ mac: "x" }] }, "interfaces[0].name must be a string"],
    [{ interfaces: [{ name: "eth0", mtu: "1500" }] }, "interfaces[0].mtu must be a non-negative integer"],
    [{ interfaces: [{ name: "eth0", pciID: 4 }] }, "interfaces[0].pciID must be a string"],
    [{ routes: [{ gw: "10.0.0.1" }] }, "routes[0].dst must be"],
    [{ routes: [{ dst: "0.0.0.0/0", table: "main" }] }, "routes[0].table must be an integer"],
    [{ routes: [{ dst: "0.0.0.0/0", scope: 1.5 }] }, "routes[0].scope must be an integer"],
    [{ dns: { nameservers: "8.8.8.8" } }, "dns.nameservers must be an array of strings"],
    [{ dns: [] }, "dns must be an object"],
  ])("1.x %j → %s", (raw, want) => {
    const err = parseError({ cniVersion: "1.1.0", ...raw });
    expect(err.message).toContain(want);
    expect(err.message).toContain("CNI 1.1.0 result");
  });

  it.each([
    [{ ips: [{ address: "10.0.0.2/24" }] }, 'ips[0].version must be "4" or "6", got missing'],
    [{ ips: [{ version: 4, address: "10.0.0.2/24" }] }, 'ips[0].version must be "4" or "6", got 4'],
    [{ ips: [{ version: "6", address: "10.0.0.2/24" }] }, 'ips[0].version "6" does not match IPv4 address'],
  ])("0.4.0 %j → %s", (raw, want) => {
    expect(parseError({ cniVersion: "0.4.0", ...raw }).message).toContain(want);
  });

  it.each([
    [{ ip4: { gateway: "10.0.0.1" } }, "ip4.ip must be a string, got missing"],
    [{ ip4: { ip: "2001:db8::1/64" } }, 'ip4.ip "2001:db8::1/64" is an IPv6 address'],
    [{ ip6: { ip: "2001:db8::1/64", routes: [{ dst: "bad" }] } }, "ip6.routes[0].dst"],
    [{ ip4: "10.0.0.2/24" }, "ip4 must be an object"],
  ])("0.2.0 %j → %s", (raw, want) => {
    expect(parseError({ cniVersion: "0.2.0", ...raw }).message).toContain(want);
  });

  it("works without a plugin name", () => {
    expect(() => parseResult(null, "1.0.0")).toThrow(/^invalid CNI result: expected a JSON object/);
  });
});

describe("adoptResult (stdout just parsed, nobody else holds it)", () => {
  it("validates like parseResult and takes the value over without a deep copy", () => {
    const raw = { ...r100(), cniVersion: "" };
    const adopted = adoptResult(raw, "1.1.0", "bridge");
    expect(adopted).toEqual(parseResult(raw, "1.1.0", "bridge"));
    expect(adopted.cniVersion).toBe("1.1.0");
    expect((adopted as unknown as { ips: unknown }).ips).toBe((raw as { ips?: unknown }).ips);
  });

  it("rejects what parseResult rejects, with the same error", () => {
    const raw = { cniVersion: "1.0.0", ips: "10.0.0.2/24" };
    const err = (f: () => unknown): unknown => {
      try {
        f();
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const adoptErr = err(() => adoptResult(raw, "1.0.0", "bridge"));
    expect(adoptErr).toBeInstanceOf(CniError);
    expect(adoptErr).toMatchObject({
      kind: "bad-output",
      code: 6,
      message: (err(() => parseResult(raw, "1.0.0", "bridge")) as Error).message,
    });
  });
});
