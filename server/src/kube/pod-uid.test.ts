import { describe, expect, it } from "vitest";
import { checkPodUid, isStaticPod, podUidMatches } from "./pod-uid.js";

const pod = (uid: string, annotations: Record<string, string> = {}) => ({
  namespace: "ns",
  name: "p",
  uid,
  annotations,
});

describe("pod UID rules", () => {
  it("accepts the same UID, and any pod when the runtime gave none", () => {
    expect(podUidMatches("u1", pod("u1"))).toBe(true);
    expect(podUidMatches("", pod("u1"))).toBe(true);
    expect(podUidMatches(undefined, pod("u1"))).toBe(true);
  });

  it("treats config.source file/http as static and api or absent as not", () => {
    expect(isStaticPod({ "kubernetes.io/config.source": "file" })).toBe(true);
    expect(isStaticPod({ "kubernetes.io/config.source": "http" })).toBe(true);
    expect(isStaticPod({ "kubernetes.io/config.source": "api" })).toBe(false);
    expect(isStaticPod({})).toBe(false);
  });

  it("rejects another UID with POD_UID_MISMATCH naming both UIDs, except static pods", () => {
    expect(() => checkPodUid("u2", pod("u1"))).toThrow(
      expect.objectContaining({
        code: "POD_UID_MISMATCH",
        message: expect.stringContaining("UID u1 but the runtime asked for UID u2"),
      }),
    );
    expect(() => checkPodUid("u2", pod("u1", { "kubernetes.io/config.source": "file" }))).not.toThrow();
    expect(() => checkPodUid("u2", { ...pod("u1"), isStatic: true })).not.toThrow();
  });
});
