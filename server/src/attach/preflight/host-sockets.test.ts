import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { endianness, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createProcHostSockets, parseProcNet } from "./host-sockets.js";

const HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
/** A /proc/net line: the address words in this machine's byte order, as the kernel prints them. */
const word = (bytes: number[]): string => {
  const b = Buffer.from(endianness() === "LE" ? [...bytes].reverse() : bytes);
  return b.toString("hex").toUpperCase();
};
const line = (local: string, port: number, st: string) =>
  `   0: ${local}:${port.toString(16).toUpperCase().padStart(4, "0")} 00000000:0000 ${st} 00000000:00000000 00:00000000 00000000     0        0 1 1\n`;

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "proc-net-"));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("host sockets (/proc/net tables)", () => {
  it("lists TCP listeners only, v4 and v6, with their bound address", async () => {
    const loopback6 = [word([0, 0, 0, 0]), word([0, 0, 0, 0]), word([0, 0, 0, 0]), word([0, 0, 0, 1])].join("");
    await writeFile(
      join(root, "tcp"),
      HEADER +
        line(word([0, 0, 0, 0]), 22, "0A") +
        line(word([127, 0, 0, 1]), 10248, "0A") +
        line(word([192, 0, 2, 2]), 22, "01"), // an established connection
    );
    await writeFile(join(root, "tcp6"), HEADER + line("0".repeat(32), 10250, "0A") + line(loopback6, 9099, "0A"));
    expect(await createProcHostSockets(root).listening("tcp")).toEqual([
      { port: 22, address: "0.0.0.0" },
      { port: 10248, address: "127.0.0.1" },
      { port: 10250, address: "::" },
      { port: 9099, address: "::1" },
    ]);
  });

  it("lists bound UDP sockets without a peer, and takes a missing table (no IPv6) as empty", async () => {
    await writeFile(
      join(root, "udp"),
      HEADER + line(word([0, 0, 0, 0]), 53, "07") + line(word([10, 0, 0, 1]), 40000, "01"),
    );
    expect(await createProcHostSockets(root).listening("udp")).toEqual([{ port: 53, address: "0.0.0.0" }]);
  });

  it("reads up to its bound and drops the line the bound cut", async () => {
    const text = HEADER + line(word([0, 0, 0, 0]), 22, "0A") + line(word([0, 0, 0, 0]), 23, "0A");
    await writeFile(join(root, "tcp"), text);
    const sockets = createProcHostSockets(root, text.length - 10);
    expect(await sockets.listening("tcp")).toEqual([{ port: 22, address: "0.0.0.0" }]);
    expect(parseProcNet("garbage\n  0: zz:0016 0 0A\n", "tcp")).toEqual([]);
  });
});
