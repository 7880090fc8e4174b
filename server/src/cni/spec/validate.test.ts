import { describe, expect, it } from "vitest";
import { CniError } from "./errors.js";
import { validateContainerId, validateInterfaceName, validateNetworkName } from "./validate.js";

function caught(fn: () => unknown): CniError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CniError);
    return err as CniError;
  }
  throw new Error("expected a CniError");
}

describe("validateContainerId", () => {
  it.each(["a", "0123abcdef", "pod_1.2-x", "A-b_c.d"])("accepts %j", (id) => {
    expect(() => validateContainerId(id)).not.toThrow();
  });

  it("rejects an empty id with code 3", () => {
    const err = caught(() => validateContainerId(""));
    expect(err.code).toBe(3);
    expect(err.kind).toBe("invalid-args");
  });

  it.each(["-abc", ".abc", "_abc", "a b", "a/b", "a;b", "ä"])("rejects %j with code 4 naming it", (id) => {
    const err = caught(() => validateContainerId(id));
    expect(err.code).toBe(4);
    expect(err.kind).toBe("invalid-args");
    expect(err.message).toContain(JSON.stringify(id));
  });

  it("rejects an id longer than a file name can be, quoting only its start", () => {
    const err = caught(() => validateContainerId("a".repeat(5000)));
    expect(err.code).toBe(4);
    expect(err.details).toBe("is 5000 characters long, longer than 240");
    expect(err.message.length).toBeLessThan(200);
  });
});

describe("validateNetworkName", () => {
  it.each(["net1", "my-net.v2_x"])("accepts %j", (name) => {
    expect(() => validateNetworkName(name)).not.toThrow();
  });

  it.each(["", "-net", "my net", "a/b"])("rejects %j with code 7 naming the file", (name) => {
    const err = caught(() => validateNetworkName(name, "/etc/cni/net.d/bad.conflist"));
    expect(err.code).toBe(7);
    expect(err.kind).toBe("invalid-config");
    expect(err.source).toBe("/etc/cni/net.d/bad.conflist");
    expect(err.message).toContain("/etc/cni/net.d/bad.conflist");
    if (name !== "") expect(err.message).toContain(JSON.stringify(name));
  });
});

describe("validateInterfaceName", () => {
  it.each(["eth0", "net1", "a".repeat(15), "veth-1.2_x"])("accepts %j", (name) => {
    expect(() => validateInterfaceName(name)).not.toThrow();
  });

  it.each([
    ["", "empty"],
    ["a".repeat(16), "longer than 15 bytes"],
    ["ééééééééé", "longer than 15 bytes"], // 18 bytes
    [".", ". or .."],
    ["..", ". or .."],
    ["a/b", "whitespace"],
    ["a:b", "whitespace"],
    ["a b", "whitespace"],
    ["a\tb", "whitespace"],
    ["a%d", "contains '%', which the kernel takes as a name template"],
    ["net%", "contains '%'"],
    ["a\0b", "control character"],
    ["a\u0007b", "control character"],
    ["eth\uFFFD", "not valid UTF-8"],
    ["eth\uD800", "not valid UTF-8"],
    ["\uDC00x", "not valid UTF-8"],
  ])("rejects %j with code 4 (%s)", (name, why) => {
    const err = caught(() => validateInterfaceName(name));
    expect(err.code).toBe(4);
    expect(err.kind).toBe("invalid-args");
    expect(err.message).toContain(why);
    if (name !== "") expect(err.message).toContain(JSON.stringify(name));
  });
});
