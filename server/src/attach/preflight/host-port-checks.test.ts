import { describe, expect, it } from "vitest";
import type { PortMapping } from "../../resolve/index.js";
import { conflist, network } from "../testing.test-helper.js";
import { hostPortFindings, portClaims, type HeldMapping } from "./host-port-checks.js";
import type { ListeningSocket, SocketProtocol } from "./host-sockets.js";
import { factsOf } from "./preflight.test-helper.js";

const pm = (role: "cluster" | "selected", name: string, portMappings: PortMapping[]) =>
  network(role, name, conflist("pm", [{ type: "ptp" }, { type: "portmap", capabilities: { portMappings: true } }]), {
    portMappings,
  });
const listening = (tcp: ListeningSocket[], udp: ListeningSocket[] = []) =>
  new Map<SocketProtocol, readonly ListeningSocket[]>([
    ["tcp", tcp],
    ["udp", udp],
  ]);
const refused = (mappings: PortMapping[], sockets: ListeningSocket[], held: HeldMapping[] = []) =>
  hostPortFindings(portClaims(factsOf(pm("selected", "default/pm", mappings))), {
    listening: listening(sockets),
    held,
  }).map((f) => f.message);

describe("host port checks", () => {
  it("a hostIP meets a listener on that address or on every address, not one on another address", () => {
    const on = (address: string): ListeningSocket[] => [{ port: 8080, address }];
    expect(refused([{ hostPort: 8080, containerPort: 80, hostIP: "192.0.2.2" }], on("127.0.0.1"))).toEqual([]);
    expect(refused([{ hostPort: 8080, containerPort: 80, hostIP: "192.0.2.2" }], on("192.0.2.2"))).toHaveLength(1);
    expect(refused([{ hostPort: 8080, containerPort: 80, hostIP: "192.0.2.2" }], on("::"))).toHaveLength(1);
    expect(refused([{ hostPort: 8080, containerPort: 80, hostIP: "192.0.2.2" }], on("::ffff:192.0.2.2"))).toHaveLength(
      1,
    );
    expect(refused([{ hostPort: 8080, containerPort: 80 }], on("127.0.0.1"))).toEqual([
      expect.stringContaining(
        '"portMappings" hostPort 8080/tcp is taken: a socket of the node listens on 127.0.0.1:8080/tcp;',
      ),
    ]);
  });

  it("matches protocols: a UDP mapping is not taken by a TCP listener; sctp meets only other mappings", () => {
    const tcp22: ListeningSocket[] = [{ port: 22, address: "0.0.0.0" }];
    expect(refused([{ hostPort: 22, containerPort: 22, protocol: "udp" }], tcp22)).toEqual([]);
    expect(refused([{ hostPort: 22, containerPort: 22, protocol: "sctp" }], tcp22)).toEqual([]);
    const held = [{ mapping: { hostPort: 22, containerPort: 1, protocol: "SCTP" }, owner: "pod a/b" }];
    expect(refused([{ hostPort: 22, containerPort: 22, protocol: "sctp" }], [], held)).toEqual([
      expect.stringContaining("hostPort 22/sctp is taken: pod a/b already maps it"),
    ]);
  });

  it("leaves out the runtime's own mappings of the cluster network, not the same port from the annotation elsewhere", () => {
    const runtime = [{ hostPort: 22, containerPort: 22, protocol: "tcp" }];
    const facts = factsOf(pm("cluster", "cbr0", runtime), pm("selected", "default/pm", runtime));
    expect(portClaims(facts, runtime).map((c) => c.facts.delegate.network)).toEqual(["default/pm"]);
  });
});
