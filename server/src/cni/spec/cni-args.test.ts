import { describe, expect, it } from "vitest";
import { formatCniArgs, parseCniArgs } from "./cni-args.js";
import { CniError } from "./errors.js";

describe("formatCniArgs", () => {
  it("always starts with IgnoreUnknown=1", () => {
    expect(formatCniArgs([])).toBe("IgnoreUnknown=1");
    expect(
      formatCniArgs([
        ["K8S_POD_NAME", "web"],
        ["K8S_POD_NAMESPACE", "default"],
      ]),
    ).toBe("IgnoreUnknown=1;K8S_POD_NAME=web;K8S_POD_NAMESPACE=default");
  });

  it("keeps exactly one IgnoreUnknown, first, whatever the caller passed", () => {
    const s = formatCniArgs([
      ["A", "1"],
      ["IgnoreUnknown", "true"],
      ["ignoreunknown", "0"],
      ["B", "2"],
    ]);
    expect(s).toBe("IgnoreUnknown=1;A=1;B=2");
  });

  it("allows empty values", () => {
    expect(formatCniArgs([["E", ""]])).toBe("IgnoreUnknown=1;E=");
  });

  it.each([[["", "v"]], [["a=b", "v"]], [["a;b", "v"]], [["K", "x;y"]], [["K", "a=b"]]] as Array<
    [readonly [string, string]]
  >)("rejects %j with code 4", (pair) => {
    expect(() => formatCniArgs([pair])).toThrow(expect.objectContaining({ code: 4, kind: "invalid-args" }) as Error);
  });
});

describe("parseCniArgs", () => {
  it("parses pairs, empty values included", () => {
    expect(parseCniArgs("IgnoreUnknown=1;K8S_POD_NAME=web;E=")).toEqual([
      ["IgnoreUnknown", "1"],
      ["K8S_POD_NAME", "web"],
      ["E", ""],
    ]);
  });

  it("refuses a value with '=' as Go's skel does, naming the pair and why", () => {
    expect(() => parseCniArgs("K8S_POD_NAME=p;FOO=a=b")).toThrow(
      expect.objectContaining({
        code: 4,
        kind: "invalid-args",
        msg: `invalid CNI_ARGS pair "FOO=a=b": the value contains '=', which plugins refuse ("ARGS: invalid pair")`,
      }) as Error,
    );
  });

  it("skips empty segments", () => {
    expect(parseCniArgs("")).toEqual([]);
    expect(parseCniArgs("A=1;;B=2;")).toEqual([
      ["A", "1"],
      ["B", "2"],
    ]);
  });

  it.each(["=v", "A=1;=2", "novalue"])("rejects %j with code 4 naming the pair", (s) => {
    let err: unknown;
    try {
      parseCniArgs(s);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CniError);
    expect((err as CniError).code).toBe(4);
    expect((err as CniError).message).toContain(s.split(";").at(-1));
  });

  it("round-trips through formatCniArgs", () => {
    const pairs: Array<[string, string]> = [
      ["K8S_POD_NAMESPACE", "ns"],
      ["K8S_POD_NAME", "p"],
      ["K8S_POD_INFRA_CONTAINER_ID", "abc123"],
      ["IP", "10.0.0.5/24"],
      ["Z", "k:v"],
    ];
    expect(parseCniArgs(formatCniArgs(pairs))).toEqual([["IgnoreUnknown", "1"], ...pairs]);
  });
});
