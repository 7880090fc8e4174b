import { describe, expect, it } from "vitest";
import { createMemorySource } from "./memory-source.js";
import type { NetworkDefinition } from "./types.js";

const def = (name: string, namespace?: string): NetworkDefinition => ({
  name,
  ...(namespace === undefined ? {} : { namespace }),
  config: { name, type: "bridge" },
  origin: { kind: "inline", description: "test" },
});

describe("createMemorySource", () => {
  const source = createMemorySource([def("a", "ns1"), def("b")], "test defs");

  it("matches namespace/name, and namespace-less definitions in any namespace", async () => {
    expect((await source.lookup({ namespace: "ns1", name: "a" })).found?.namespace).toBe("ns1");
    expect((await source.lookup({ namespace: "anything", name: "b" })).found?.name).toBe("b");
  });

  it("says where it looked", async () => {
    expect(await source.lookup({ namespace: "ns2", name: "a" })).toEqual({ tried: ["test defs: no network ns2/a"] });
    expect(source.description).toBe("test defs");
    expect(source.ready()).toBe(true);
  });
});
