import { describe, expect, it } from "vitest";
import { createHostPortClaims, withPortLease } from "./host-port-claims.js";

const held = (hostPort: number, owner: string) => ({ mapping: { hostPort, containerPort: 80 }, owner });

describe("host-port claims", () => {
  it("a lease shows the other containers' claims, never its own, until they are released", () => {
    const claims = createHostPortClaims();
    const a = claims.lease("a");
    a.take([held(9000, "pod a")]);
    expect(claims.lease("b").others()).toEqual([held(9000, "pod a")]);
    expect(claims.lease("a").others()).toEqual([]);
    a.release();
    expect(claims.lease("b").others()).toEqual([]);
  });

  it("a peek (ResolveNetworks) sees the claims and takes none", () => {
    const claims = createHostPortClaims();
    claims.lease("a").take([held(9000, "pod a")]);
    const peek = claims.peek("b");
    expect(peek.others()).toEqual([held(9000, "pod a")]);
    peek.take([held(9100, "pod b")]);
    expect(claims.lease("c").others()).toEqual([held(9000, "pod a")]);
  });

  it("counts each release of a claim on a port, for the leases and peeks that read meanwhile", () => {
    const claims = createHostPortClaims();
    const at = (hostPort: number, protocol?: string) => [
      { hostPort, containerPort: 1, ...(protocol ? { protocol } : {}) },
    ];
    const a = claims.lease("a");
    a.take([held(9000, "pod a"), held(9001, "pod a")]);
    const b = claims.lease("b");
    expect(b.released(at(9000))).toBe(0);
    a.release();
    a.release();
    for (const l of [b, claims.peek("c")]) {
      expect(l.released(at(9000))).toBe(1);
      expect(l.released([...at(9000), ...at(9001, "TCP")])).toBe(2);
      expect(l.released(at(9000, "udp"))).toBe(0);
      expect(l.released(at(9002))).toBe(0);
    }
    // A lease that claimed nothing, or a peek, releases no claim.
    claims.lease("d").release();
    claims.peek("e").release();
    expect(b.released(at(9000))).toBe(1);
  });

  it("withPortLease releases the claim however the call ends", async () => {
    const claims = createHostPortClaims();
    await expect(
      withPortLease(claims, "a", async (lease) => {
        lease?.take([held(9000, "pod a")]);
        throw new Error("plugin failed");
      }),
    ).rejects.toThrow("plugin failed");
    expect(claims.lease("b").others()).toEqual([]);
  });
});
