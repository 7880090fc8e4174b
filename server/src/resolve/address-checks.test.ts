import { describe, expect, it } from "vitest";
import { hardwareAddressBytes, isInfinibandGuid, isIpOrCidr, isMacAddress } from "./address-checks.js";

describe("isIpOrCidr", () => {
  it.each(["10.0.0.1", "10.0.0.0/8", "0.0.0.0/0", "10.0.0.1/32", "fd00::1", "fd00::/64", "::/0", "fd00::1/128"])(
    "accepts %s",
    (v) => expect(isIpOrCidr(v)).toBe(true),
  );
  it.each([
    "",
    "10.0.0",
    "10.0.0.1/",
    "10.0.0.1/33",
    "fd00::1/129",
    "10.0.0.1/-1",
    "10.0.0.1/8/8",
    "host/24",
    "10.0.0.1/ 8",
  ])("rejects %j", (v) => expect(isIpOrCidr(v)).toBe(false));
});

describe("hardware addresses", () => {
  it.each([
    ["02:03:04:05:06:07", 6],
    ["02-03-04-05-06-07", 6],
    ["0203.0405.0607", 6],
    ["02:03:04:05:06:07:08:09", 8],
    ["0203.0405.0607.0809", 8],
    [Array(20).fill("ab").join(":"), 20],
  ])("%s has %i bytes", (v, n) => expect(hardwareAddressBytes(v)).toBe(n));

  it.each([
    "",
    "02:03:04:05:06",
    "02:03:04:05:06:07:08",
    "02:03-04:05:06:07",
    "0g:03:04:05:06:07",
    "020304050607",
    "2:3:4:5:6:7",
    "0203.0405.06",
  ])("rejects %j", (v) => expect(isMacAddress(v)).toBe(false));

  it("wants InfiniBand GUIDs as 8 colon or hyphen pairs", () => {
    expect(isInfinibandGuid("c2:11:22:33:44:55:66:77")).toBe(true);
    expect(isInfinibandGuid("c2-11-22-33-44-55-66-77")).toBe(true);
    expect(isInfinibandGuid("c211.2233.4455.6677")).toBe(false);
    expect(isInfinibandGuid("c2:11:22:33:44:55")).toBe(false);
  });
});
