import { describe, expect, it } from "vitest";
import { ipFamily, ipText, ipValue, writtenIpValue } from "./ip.js";

describe("addresses", () => {
  it("expands :: and an IPv4 tail like the kernel does", () => {
    expect(writtenIpValue("::ffff:10.0.0.1")).toEqual({ family: 6, n: (0xffffn << 32n) | (10n << 24n) | 1n });
    expect(writtenIpValue("1::")!.n).toBe(1n << 112n);
    expect(writtenIpValue("::1")!.n).toBe(1n);
    expect(writtenIpValue("1:2:3:4:5:6:7:8")!.n).toBe(0x00010002000300040005000600070008n);
    expect(writtenIpValue("x")).toBeUndefined();
  });

  it.each([
    ["10.6.0.1", 4],
    ["::ffff:10.6.0.1", 4],
    ["::FFFF:a06:1", 4],
    ["0:0:0:0:0:ffff:10.6.0.1", 4],
    ["::ffff:0.0.0.0", 4],
    ["fd00::1", 6],
    ["::10.6.0.1", 6], // IPv4-compatible, not mapped
    ["::ffff:1:10.6.0.1", 6],
    ["fe80::1%eth0", 6],
    ["10.6.0.1/24", 0],
    ["x", 0],
  ])("%s is of family %i, as Go's net.IP (To4) takes it", (ip, family) => {
    expect(ipFamily(ip)).toBe(family);
  });

  it("takes an IPv4-mapped address as that IPv4 address, in its notation", () => {
    expect(ipValue("::ffff:a06:1")).toEqual(ipValue("10.6.0.1"));
    expect(ipText("::ffff:a06:1")).toBe("10.6.0.1");
    expect(ipText("0:0:0:0:0:FFFF:10.6.0.1")).toBe("10.6.0.1");
    expect(ipText("10.6.0.1")).toBe("10.6.0.1");
    expect(ipText("fd00::1")).toBe("fd00::1");
    expect(ipText("x")).toBe("x");
  });
});
