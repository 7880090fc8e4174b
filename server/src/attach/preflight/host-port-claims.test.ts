import { describe, expect, it } from "vitest";
import type { PortMapping } from "../../resolve/index.js";
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

  it("tells a read whether a claim that meets its mappings (protocol, hostPort, hostIP) was released meanwhile", async () => {
    const claims = createHostPortClaims();
    const on = (hostPort: number, hostIP?: string, protocol?: string) => ({
      hostPort,
      containerPort: 1,
      ...(hostIP !== undefined ? { hostIP } : {}),
      ...(protocol !== undefined ? { protocol } : {}),
    });
    /** Whether a read of `mappings` during which `a` releases its claim on `claim` sees it. */
    const seen = async (claim: PortMapping, mappings: PortMapping[], lease = claims.lease("b")) => {
      const a = claims.lease("a");
      a.take([{ mapping: claim, owner: "pod a" }]);
      const reading = await lease.whileReading(mappings, async () => (a.release(), a.release(), "read"));
      expect(reading.value).toBe("read");
      reading.end();
      return reading.released();
    };
    expect(await seen(on(8080, "10.0.0.1"), [on(8080, "10.0.0.1")])).toBe(true);
    expect(await seen(on(8080, "10.0.0.1"), [on(8080, "10.0.0.2")])).toBe(false);
    expect(await seen(on(8080, "10.0.0.1"), [on(8080, "::ffff:10.0.0.1")])).toBe(true);
    // A wildcard hostIP (absent, 0.0.0.0, ::) meets every hostIP, on either side.
    expect(await seen(on(8080), [on(8080, "10.0.0.2")])).toBe(true);
    expect(await seen(on(8080, "0.0.0.0"), [on(8080, "10.0.0.2")])).toBe(true);
    expect(await seen(on(8080, "10.0.0.1"), [on(8080, "::")])).toBe(true);
    expect(await seen(on(8080, "10.0.0.1"), [on(9090), on(8080)])).toBe(true);
    expect(await seen(on(8080), [on(8081)])).toBe(false);
    expect(await seen(on(8080), [on(8080, undefined, "udp")])).toBe(false);
    expect(await seen(on(8080, undefined, "UDP"), [on(8080, undefined, "udp")])).toBe(true);
    // A peek (ResolveNetworks) sees releases too.
    expect(await seen(on(8080), [on(8080)], claims.peek("c"))).toBe(true);
    // A release after the read, a lease that claimed nothing and a peek release nothing the read sees.
    const b = claims.lease("b");
    const a = claims.lease("a");
    a.take([{ mapping: on(8080), owner: "pod a" }]);
    const quiet = await b.whileReading(
      [on(8080)],
      async () => (claims.lease("d").release(), claims.peek("e").release()),
    );
    expect(quiet.released()).toBe(false);
    quiet.end();
    a.release();
  });

  it("keeps watching until the caller ends the watch: a release landing any number of microtasks after the read is seen or still held", async () => {
    const mapping = { hostPort: 8080, containerPort: 1 };
    for (let depth = 0; depth < 6; depth++) {
      const claims = createHostPortClaims();
      const a = claims.lease("a");
      a.take([{ mapping, owner: "pod a" }]);
      const b = claims.lease("b");
      const reading = await b.whileReading([mapping], async () => {
        let later = Promise.resolve();
        for (let i = 0; i < depth; i++) later = later.then(() => undefined);
        void later.then(() => a.release());
        return "read";
      });
      // What the check sees at the caller's turn: the release, or the claim still held.
      expect({ depth, seen: reading.released() || b.others().length > 0 }).toEqual({ depth, seen: true });
      reading.end();
      await new Promise((r) => setImmediate(r));
    }
    // Ended: a later release is not that read's business.
    const claims = createHostPortClaims();
    const after = await claims.lease("e").whileReading([mapping], async () => "read");
    after.end();
    const f = claims.lease("f");
    f.take([{ mapping, owner: "pod f" }]);
    f.release();
    expect(after.released()).toBe(false);
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
