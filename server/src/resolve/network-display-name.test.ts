import { describe, expect, it } from "vitest";
import { networkDisplayName } from "./network-display-name.js";

describe("networkDisplayName", () => {
  it("is namespace/name for definitions, whatever the config is called", () => {
    expect(
      networkDisplayName({
        namespace: "team-a",
        name: "net",
        config: { name: "other", type: "bridge" },
        origin: { kind: "network-attachment-definition", namespace: "team-a", name: "net", configFrom: "spec.config" },
      }),
    ).toBe("team-a/net");
  });

  it("is the config name for conf files", () => {
    expect(
      networkDisplayName({
        name: "cluster-net",
        config: { name: "cluster-net", type: "bridge" },
        origin: { kind: "conf-file", path: "/x.conf" },
      }),
    ).toBe("cluster-net");
  });

  it("is namespace/name for namespaced inline definitions and the name otherwise", () => {
    expect(
      networkDisplayName({
        namespace: "ns",
        name: "a",
        config: { type: "bridge" },
        origin: { kind: "inline", description: "t" },
      }),
    ).toBe("ns/a");
    expect(
      networkDisplayName({ name: "a", config: { type: "bridge" }, origin: { kind: "inline", description: "t" } }),
    ).toBe("a");
  });
});
