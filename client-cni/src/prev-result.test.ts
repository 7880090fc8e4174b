import { describe, expect, it } from "vitest";
import { r040, r100 } from "../../server/src/cni/result/fixtures.test-helper.js";
import { checkPrevResult } from "./prev-result.js";
import { parseShimConf } from "./shim-conf.js";

const conf = (cniVersion: string, extra: Record<string, unknown> = {}) =>
  parseShimConf(JSON.stringify({ cniVersion, name: "netattach", type: "netattach-cni", ...extra }));

describe("CHECK's prevResult", () => {
  it.each([
    ["absent", "1.0.0", {}],
    ["null (Go decodes it as absent)", "1.0.0", { prevResult: null }],
    ["a 1.0.0 result", "1.0.0", { prevResult: r100("1.0.0") }],
    ["a 0.4.0 result", "0.4.0", { prevResult: r040("0.4.0") }],
    ["a result without cniVersion, taken as the conf's", "0.4.0", { prevResult: { ...r040(), cniVersion: undefined } }],
  ])("%s is accepted", (_, version, extra) => {
    expect(() => checkPrevResult(conf(version, extra))).not.toThrow();
  });

  it.each([
    ["a string", "garbage", 6, 'expected a JSON object, got "garbage"'],
    ["a list", [1, 2], 6, "expected a JSON object, got [1,2]"],
    ["a number", 42, 6, "expected a JSON object, got 42"],
    ["a result whose ips are not a list", { cniVersion: "1.0.0", ips: "10.0.0.1/24" }, 6, "ips"],
    ["a result with an address that is no CIDR", { ...r100("1.0.0"), ips: [{ address: "nope" }] }, 6, "ips[0].address"],
    ["a result of an unknown version", { cniVersion: "9.9.9" }, 6, '"9.9.9"'],
    ["a result of another version", r040("0.4.0"), 1, 'its cniVersion is "0.4.0", the conf\'s is "1.0.0"'],
  ])("%s is refused naming prevResult and what is wrong", (_, prevResult, code, what) => {
    let thrown: unknown;
    try {
      checkPrevResult(conf("1.0.0", { prevResult }));
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toMatchObject({ code, msg: "prevResult is not a CNI 1.0.0 result" });
    expect((thrown as { details: string }).details).toContain(what);
  });
});
