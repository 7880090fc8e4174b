import { describe, expect, it } from "vitest";
import { CniError } from "../../../server/src/cni/index.js";
import { isConfFileArgument } from "./load-network.js";
import { printCniError } from "./print-cni-error.js";

function collector(): { write(s: string): void; text: () => string } {
  let buf = "";
  return { write: (s: string) => void (buf += s), text: () => buf };
}

describe("printCniError", () => {
  it("prints the spec error object on stdout and the full story on stderr", () => {
    const [out, err] = [collector(), collector()];
    const e = new CniError({
      kind: "plugin-failed",
      code: 142,
      msg: "refused",
      details: "why",
      plugin: "bridge",
      network: "n1",
      command: "ADD",
      stderr: "line1\nline2\n",
      source: "/etc/cni/net.d/n1.conflist",
    });
    printCniError(e, "1.0.0", out, err);
    expect(JSON.parse(out.text())).toEqual({ cniVersion: "1.0.0", code: 142, msg: "refused", details: "why" });
    expect(err.text()).toContain('network "n1" plugin "bridge" ADD: refused; why (CNI code 142)');
    expect(err.text()).toContain("configuration: /etc/cni/net.d/n1.conflist");
    expect(err.text()).toContain("    line1\n    line2");
  });

  it("omits empty details and maps other errors to code 999", () => {
    const [out, err] = [collector(), collector()];
    printCniError(new CniError({ kind: "timeout", code: 11, msg: "slow" }), "0.4.0", out, err);
    expect(JSON.parse(out.text())).toEqual({ cniVersion: "0.4.0", code: 11, msg: "slow" });
    const [out2, err2] = [collector(), collector()];
    printCniError(new Error("boom"), "1.1.0", out2, err2);
    expect(JSON.parse(out2.text())).toEqual({ cniVersion: "1.1.0", code: 999, msg: "boom" });
    expect(err2.text()).toContain("boom");
  });
});

describe("isConfFileArgument", () => {
  it.each([
    ["mynet", false],
    ["my.net", false],
    ["./mynet", true],
    ["/etc/cni/net.d/10-x.conflist", true],
    ["x.conflist", true],
    ["x.conf", true],
    ["x.json", true],
  ])("%s → %s", (arg, isFile) => expect(isConfFileArgument(arg)).toBe(isFile));
});
