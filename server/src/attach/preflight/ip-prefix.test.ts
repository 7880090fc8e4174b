import { describe, expect, it } from "vitest";
import { writtenIpValue } from "../../cni/index.js";
import { parsePrefix, prefixContains, prefixesOverlap, sameAddress } from "./ip-prefix.js";

const p = (text: string) => parsePrefix(text)!;

describe("ip prefixes", () => {
  it("parses both families, clearing host bits, and a bare address as a host prefix", () => {
    expect(p("10.1.2.3/16")).toMatchObject({ family: 4, length: 16, network: writtenIpValue("10.1.0.0")!.n });
    expect(p("fd00::5/64")).toMatchObject({ family: 6, length: 64, network: writtenIpValue("fd00::")!.n });
    expect(p("10.1.2.3")).toMatchObject({ length: 32 });
    expect(p("0.0.0.0/0").length).toBe(0);
    expect(p("::/0").length).toBe(0);
  });

  it("takes an IPv4-mapped prefix as the IPv4 one the plugins configure, its length past the 96 mapped bits", () => {
    expect(p("::ffff:10.1.2.3/112")).toMatchObject({ family: 4, length: 16, network: writtenIpValue("10.1.0.0")!.n });
    expect(p("::FFFF:a01:203/128")).toMatchObject({ family: 4, length: 32 });
    expect(p("::ffff:10.1.2.3/64")).toMatchObject({ family: 4, length: 0, network: 0n });
    expect(p("::ffff:10.1.2.3")).toMatchObject({ family: 4, length: 32 });
    expect(parsePrefix("::ffff:10.1.2.3/129")).toBeUndefined();
    expect(prefixesOverlap(p("::ffff:10.1.0.0/112"), p("10.1.200.0/24"))).toBe(true);
    expect(prefixContains(p("::ffff:10.1.0.0/112"), "10.1.9.9")).toBe(true);
  });

  it.each(["10.1.2.3/33", "fd00::/129", "10.1.2/24", "x/8", "10.0.0.0/-1", "10.0.0.0/", ""])("rejects %j", (text) => {
    expect(parsePrefix(text)).toBeUndefined();
  });

  it("tells containment and overlap, never across families", () => {
    expect(prefixContains(p("10.1.0.0/16"), "10.1.255.254")).toBe(true);
    expect(prefixContains(p("10.1.0.0/16"), "10.2.0.1")).toBe(false);
    expect(prefixContains(p("fd00::/64"), "fd00::1")).toBe(true);
    expect(prefixContains(p("0.0.0.0/0"), "fd00::1")).toBe(false);
    // IPv4-mapped is IPv4, as Go's IPNet.Contains has it.
    expect(prefixContains(p("10.6.0.0/24"), "::ffff:10.6.0.1")).toBe(true);
    expect(prefixContains(p("::/0"), "::ffff:10.6.0.1")).toBe(false);
    expect(prefixesOverlap(p("10.1.0.0/16"), p("10.1.200.0/24"))).toBe(true);
    expect(prefixesOverlap(p("10.1.200.0/24"), p("10.1.0.0/16"))).toBe(true);
    expect(prefixesOverlap(p("10.1.0.0/24"), p("10.1.1.0/24"))).toBe(false);
    expect(prefixesOverlap(p("0.0.0.0/0"), p("::/0"))).toBe(false);
  });

  it.each([
    ["fd00:0::1", "fd00::1"],
    ["FD00::1", "fd00::1"],
    ["fd00:0:0:0:0:0:0:1", "fd00::1/64"],
    ["192.0.2.2/24", "192.0.2.2/32"],
    ["::ffff:192.0.2.2", "192.0.2.2"],
    ["::FFFF:c000:202/120", "192.0.2.2"],
  ])("%s is the address %s", (a, b) => {
    expect(sameAddress(a, b)).toBe(true);
    expect(sameAddress(b, a)).toBe(true);
  });

  it.each([
    ["192.0.2.2", "192.0.2.3"],
    ["fd00::1", "fd00::2"],
    ["::1", "0.0.0.1"],
    ["::192.0.2.2", "192.0.2.2"], // IPv4-compatible, not mapped: an IPv6 address
    ["x", "x"],
    ["", ""],
  ])("%j is not the address %j", (a, b) => {
    expect(sameAddress(a, b)).toBe(false);
  });
});
