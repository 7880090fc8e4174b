// The ports sockets of the daemon's netns (the host's: hostNetwork) listen on, from
// /proc/net/{tcp,tcp6,udp,udp6}: a pod's hostPort on one of them would take the host service's
// traffic, since portmap DNATs the port on every local address. Each file is read up to a bound;
// the kernel lists TCP's listening sockets before its connections, so a busy node hides none.
import { open } from "node:fs/promises";
import { endianness } from "node:os";
import { join } from "node:path";

export type SocketProtocol = "tcp" | "udp";

export interface ListeningSocket {
  readonly port: number;
  /** The bound address; "0.0.0.0" or "::" for every address. */
  readonly address: string;
}

export interface HostSockets {
  listening(protocol: SocketProtocol): Promise<readonly ListeningSocket[]>;
}

/** ~28 000 lines of /proc/net/tcp: far more listeners than a node has. */
const MAX_BYTES = 4 * 1024 * 1024;
/** st: TCP_LISTEN; for UDP, TCP_CLOSE is a bound socket with no peer (a connected one is a client's). */
const LISTENING: Readonly<Record<SocketProtocol, string>> = { tcp: "0A", udp: "07" };

export function createProcHostSockets(root = "/proc/net", maxBytes = MAX_BYTES): HostSockets {
  return {
    async listening(protocol) {
      const texts = await Promise.all([protocol, `${protocol}6`].map((f) => readWithin(join(root, f), maxBytes)));
      return texts.flatMap((text) => parseProcNet(text, protocol));
    },
  };
}

/** The listening sockets of one /proc/net table; a line cut off by the bound is left out. */
export function parseProcNet(text: string, protocol: SocketProtocol): ListeningSocket[] {
  const lines = text.split("\n");
  if (!text.endsWith("\n")) lines.pop();
  return lines.flatMap((line) => {
    // "  0: 0100007F:1F90 00000000:0000 0A ..." : sl, local address:port, remote, st.
    const [, local, , st] = line.trim().split(/\s+/);
    if (st !== LISTENING[protocol] || local === undefined) return [];
    const [hex = "", portHex = ""] = local.split(":");
    const address = decodeAddress(hex);
    return address === undefined ? [] : [{ port: parseInt(portHex, 16), address }];
  });
}

/** The kernel prints each 32-bit word of the address in host byte order. */
function decodeAddress(hex: string): string | undefined {
  if (!/^(?:[0-9A-Fa-f]{8}|[0-9A-Fa-f]{32})$/.test(hex)) return undefined;
  const bytes = Buffer.from(hex, "hex");
  if (endianness() === "LE") for (let i = 0; i < bytes.length; i += 4) bytes.subarray(i, i + 4).reverse();
  if (bytes.length === 4) return [...bytes].join(".");
  const groups = Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2).toString(16));
  // The URL parser writes an IPv6 address in its canonical, compressed form.
  return new URL(`http://[${groups.join(":")}]/`).hostname.slice(1, -1);
}

/** Up to `maxBytes` of a /proc file (whose size stat cannot tell); absent (no IPv6): "". */
async function readWithin(path: string, maxBytes: number): Promise<string> {
  let file;
  try {
    file = await open(path, "r");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return "";
    throw err;
  }
  try {
    const buf = Buffer.alloc(Math.min(maxBytes, 64 * 1024));
    const chunks: Buffer[] = [];
    let total = 0;
    while (total < maxBytes) {
      const { bytesRead } = await file.read(buf, 0, Math.min(buf.length, maxBytes - total), null);
      if (bytesRead === 0) break;
      chunks.push(Buffer.from(buf.subarray(0, bytesRead)));
      total += bytesRead;
    }
    return Buffer.concat(chunks).toString("latin1");
  } finally {
    await file.close();
  }
}
