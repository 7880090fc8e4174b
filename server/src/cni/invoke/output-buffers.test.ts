import { describe, expect, it } from "vitest";
import { buildCniEnv, DEFAULT_PLUGIN_PATH } from "./cni-env.js";
import { createStderrBuffer, createStdoutBuffer } from "./output-buffers.js";

describe("createStdoutBuffer", () => {
  it("keeps everything up to the limit and refuses beyond it", () => {
    const b = createStdoutBuffer(5);
    expect(b.push(Buffer.from("abc"))).toBe(true);
    expect(b.push(Buffer.from("de"))).toBe(true);
    expect(b.bytes().toString()).toBe("abcde");
    expect(b.push(Buffer.from("f"))).toBe(false);
    expect(b.push(Buffer.from("g"))).toBe(false);
  });
});

describe("createStderrBuffer", () => {
  it("keeps the tail and says how much was dropped", () => {
    const b = createStderrBuffer(4);
    for (const s of ["0123", "4567", "89"]) b.push(Buffer.from(s));
    expect(b.text()).toBe("…[6 bytes of stderr dropped]\n6789");
  });

  it("is verbatim under the limit", () => {
    const b = createStderrBuffer(10);
    b.push(Buffer.from("hi\n"));
    expect(b.text()).toBe("hi\n");
  });
});

describe("buildCniEnv", () => {
  it("always sets all six CNI variables and PATH", () => {
    expect(buildCniEnv({ command: "GC", binDirs: ["/a", "/b"] })).toEqual({
      PATH: DEFAULT_PLUGIN_PATH,
      CNI_COMMAND: "GC",
      CNI_CONTAINERID: "",
      CNI_NETNS: "",
      CNI_IFNAME: "",
      CNI_ARGS: "",
      CNI_PATH: "/a:/b",
    });
  });
});
