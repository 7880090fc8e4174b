import { describe, expect, it } from "vitest";
import { CniError } from "../spec/errors.js";
import { parseNetworkConfigList } from "./parse-network-config-list.js";

const SRC = "/etc/cni/net.d/10-x.conflist";

function fails(input: string | object): CniError {
  try {
    parseNetworkConfigList(input, SRC);
  } catch (err) {
    if (err instanceof CniError) return err;
    throw err;
  }
  throw new Error("parsed");
}

describe("parseNetworkConfigList", () => {
  it("parses a conflist from bytes, keeping the raw object whole", () => {
    const text = JSON.stringify({
      cniVersion: "1.0.0",
      name: "x",
      extra: { a: 1 },
      plugins: [{ type: "bridge", custom: true }],
    });
    const list = parseNetworkConfigList(Buffer.from(text), SRC);
    expect(list).toEqual({
      name: "x",
      cniVersion: "1.0.0",
      disableCheck: false,
      disableGC: false,
      plugins: [{ type: "bridge", custom: true }],
      raw: JSON.parse(text),
      source: SRC,
    });
  });

  it("turns a single-plugin conf into a one-plugin list with every key on the plugin", () => {
    const conf = { cniVersion: "0.4.0", name: "x", type: "macvlan", master: "eth0", ipam: { type: "dhcp" } };
    const list = parseNetworkConfigList(JSON.stringify(conf), SRC);
    expect(list.plugins).toEqual([conf]);
    expect(list.raw).toEqual({ cniVersion: "0.4.0", name: "x", plugins: [conf] });
    expect(list.cniVersion).toBe("0.4.0");
  });

  it("selects the highest of cniVersion and cniVersions", () => {
    expect(
      parseNetworkConfigList({
        cniVersion: "0.4.0",
        cniVersions: ["1.0.0", "1.1.0", "9.0.0"],
        name: "x",
        plugins: [{ type: "a" }],
      }).cniVersion,
    ).toBe("1.1.0");
  });

  it.each([
    ["true", true],
    ["false", false],
    [true, true],
  ])("accepts disableCheck/disableGC %j", (value, expected) => {
    const list = parseNetworkConfigList({ name: "x", disableCheck: value, disableGC: value, plugins: [{ type: "a" }] });
    expect([list.disableCheck, list.disableGC]).toEqual([expected, expected]);
  });

  it("reports JSON syntax errors with code 6 and the file name", () => {
    const err = fails("{ nope");
    expect(err).toMatchObject({ kind: "invalid-config", code: 6, source: SRC });
    expect(err.message).toContain(SRC);
  });

  it.each([
    [{ plugins: [{ type: "a" }] }, /missing network name/],
    [{ name: "bad name", plugins: [{ type: "a" }] }, /invalid characters in network name/],
    [{ name: "x" }, /no "plugins" key/],
    [{ name: "x", plugins: [] }, /no plugins in network configuration list "x"/],
    [{ name: "x", plugins: {} }, /"plugins" must be a list/],
    [{ name: "x", plugins: [{ ipam: {} }] }, /plugin 0 has no "type"/],
    [{ name: "x", plugins: [{ type: "a" }, "b"] }, /plugin 1 must be a JSON object/],
    [{ name: "x", cniVersions: "1.0.0", plugins: [{ type: "a" }] }, /cniVersions/],
    [{ name: "x", cniVersion: 1, plugins: [{ type: "a" }] }, /cniVersion/],
    [{ name: "x", disableCheck: "yes", plugins: [{ type: "a" }] }, /"disableCheck" must be a boolean/],
    [[1, 2], /must be a JSON object/],
  ])("rejects %j with code 7 naming the file", (input, why) => {
    const err = fails(input);
    expect(err).toMatchObject({ kind: "invalid-config", code: 7, source: SRC });
    expect(err.message).toMatch(why);
    expect(err.message).toContain(SRC);
  });
});
