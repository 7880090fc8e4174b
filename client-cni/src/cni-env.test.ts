import { describe, expect, it } from "vitest";
import { cniArgsForDelete, parseCniArgs } from "./cni-args.js";
import { parseCniEnv } from "./cni-env.js";

describe("parseCniEnv", () => {
  const add = { CNI_COMMAND: "ADD", CNI_CONTAINERID: "abc", CNI_NETNS: "/var/run/netns/x", CNI_IFNAME: "eth0" };

  it("names every missing variable, like skel", () => {
    expect(() => parseCniEnv({ CNI_COMMAND: "ADD" })).toThrow(
      expect.objectContaining({
        code: 4,
        msg: "required env variables [CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME] missing",
      }),
    );
  });

  it("lets DEL go without a netns and GC/STATUS without any attachment variable", () => {
    expect(parseCniEnv({ ...add, CNI_COMMAND: "DEL", CNI_NETNS: "" }).netns).toBe("");
    expect(parseCniEnv({ CNI_COMMAND: "GC" }).command).toBe("GC");
    expect(parseCniEnv({ CNI_COMMAND: "STATUS" }).command).toBe("STATUS");
  });

  it.each(["-abc", "a b", "a/b"])("rejects container id %j with code 4", (id) => {
    expect(() => parseCniEnv({ ...add, CNI_CONTAINERID: id })).toThrow(expect.objectContaining({ code: 4 }));
  });

  it.each(["eth0:1", "a/b", "sixteen-chars-xx", "..", "a b"])("rejects interface name %j with code 4", (ifName) => {
    expect(() => parseCniEnv({ ...add, CNI_IFNAME: ifName })).toThrow(expect.objectContaining({ code: 4 }));
  });
});

describe("parseCniArgs", () => {
  it("takes the pod identity out and keeps the rest in order", () => {
    expect(parseCniArgs("IgnoreUnknown=1;K8S_POD_NAMESPACE=ns;K8S_POD_NAME=p;K8S_POD_UID=u;X=a:b;;E=")).toEqual({
      pod: { namespace: "ns", name: "p", uid: "u" },
      rest: [
        { key: "IgnoreUnknown", value: "1" },
        { key: "X", value: "a:b" },
        { key: "E", value: "" },
      ],
    });
  });

  it("refuses a value with '=' with code 4 naming CNI_ARGS and the pair, as Go plugins would", () => {
    expect(() => parseCniArgs("K8S_POD_NAMESPACE=default;K8S_POD_NAME=p;FOO=a=b")).toThrow(
      expect.objectContaining({
        code: 4,
        msg: `CNI_ARGS: invalid CNI_ARGS pair "FOO=a=b": the value contains '=', which plugins refuse ("ARGS: invalid pair")`,
      }),
    );
  });

  it("refuses a pair without '=' with code 4 naming CNI_ARGS, as plugins do", () => {
    expect(() => parseCniArgs("K8S_POD_NAME=p;FLAG")).toThrow(
      expect.objectContaining({ code: 4, msg: expect.stringContaining("CNI_ARGS") }),
    );
  });

  it("keys named like Object.prototype members are plain keys", () => {
    expect(parseCniArgs("constructor=1;__proto__=2;toString=3").rest.map((p) => p.key)).toEqual([
      "constructor",
      "__proto__",
      "toString",
    ]);
  });

  it("a DEL never fails on a malformed CNI_ARGS: its pod identity is only logged", () => {
    expect(cniArgsForDelete("K8S_POD_NAME=p;FLAG").pod).toEqual({ namespace: "", name: "", uid: "" });
    expect(cniArgsForDelete("K8S_POD_NAME=p").pod).toEqual({ namespace: "", name: "p", uid: "" });
  });
});
