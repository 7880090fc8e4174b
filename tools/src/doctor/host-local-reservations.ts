// host-local's reservations in one data dir, read with bounds: a file per reserved address,
// named by the address, holding "<containerID>\r\n<ifname>" (just the id before CNI plugins
// 0.9). `lock` and `last_reserved_ip.<range>` are bookkeeping; anything else not named by an
// address, or not holding a valid id, is not a reservation and is skipped. The directory is
// streamed, so a huge one costs a count, not memory; only the first `maxReads` files are read.
import { opendir } from "node:fs/promises";
import { isIP } from "node:net";
import { dirname, join } from "node:path";
import { containerIdProblem, interfaceNameProblem, MAX_CONTAINER_ID_LENGTH } from "../../../server/src/cni/index.js";
import { readFileWithin } from "../../../server/src/limits/bounded-file.js";

export interface Reservation {
  readonly ip: string;
  readonly path: string;
  readonly containerId: string;
  /** "" when the file names no interface (host-local before 0.9). */
  readonly ifName: string;
}

export interface DirReservations {
  readonly reservations: Reservation[];
  /** Files named by an address that hold no reservation: "path: why". */
  readonly skipped: string[];
  /** Address-named files beyond `maxReads`, counted and not read. */
  readonly unread: number;
  /** Set when the directory itself cannot be read (ENOENT is no reservations, not a problem). */
  readonly problem?: string;
}

/** A reservation is an id, a line break and an interface name: anything longer is not one. */
const MAX_RESERVATION_BYTES = MAX_CONTAINER_ID_LENGTH + 2 + 16;
/** Files read at once. */
const BATCH = 32;

export async function readReservations(dir: string, maxReads: number): Promise<DirReservations> {
  const out: DirReservations & { unread: number } = { reservations: [], skipped: [], unread: 0 };
  const names: string[] = [];
  try {
    const handle = await opendir(dir, { bufferSize: 256 });
    for await (const entry of handle) {
      if (isIP(entry.name) === 0) continue;
      if (names.length < maxReads) names.push(entry.name);
      else out.unread++;
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return out;
    return { ...out, problem: `cannot read ${dir}: ${code ?? String(err)}` };
  }
  for (let i = 0; i < names.length; i += BATCH) {
    const read = await Promise.all(names.slice(i, i + BATCH).map((ip) => readOne(dir, ip)));
    for (const r of read) {
      if (r === "gone") continue;
      if ("why" in r) out.skipped.push(`${r.path}: ${r.why}`);
      else out.reservations.push(r);
    }
  }
  return out;
}

/**
 * Whether each reservation is still there as it was read: one released by a DEL that ended
 * after the read (or taken since by another container) is no finding. Read in batches.
 */
export async function stillReserved(read: readonly Reservation[]): Promise<boolean[]> {
  const out: boolean[] = [];
  for (let i = 0; i < read.length; i += BATCH) {
    const batch = read.slice(i, i + BATCH);
    const now = await Promise.all(batch.map((r) => readOne(dirname(r.path), r.ip)));
    now.forEach((n, j) => {
      const r = batch[j]!;
      out.push(n !== "gone" && !("why" in n) && n.containerId === r.containerId && n.ifName === r.ifName);
    });
  }
  return out;
}

async function readOne(dir: string, ip: string): Promise<Reservation | { path: string; why: string } | "gone"> {
  const path = join(dir, ip);
  let read;
  try {
    read = await readFileWithin(path, MAX_RESERVATION_BYTES, (size) => `is ${size} bytes, too long for a reservation`);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return "gone"; // released since the directory was listed
    return { path, why: `cannot be read: ${code ?? String(err)}` };
  }
  if ("problem" in read) return { path, why: read.problem };
  const [id = "", ifName = "", ...rest] = read.text.split(/\r?\n/).map((l) => l.trim());
  const idProblem = containerIdProblem(id);
  const ifProblem = ifName !== "" ? interfaceNameProblem(ifName) : undefined;
  const problem =
    (idProblem !== undefined ? `its container id ${idProblem}` : undefined) ??
    (ifProblem !== undefined ? `its interface name ${ifProblem}` : undefined) ??
    (rest.some((l) => l !== "") ? "holds more than a container id and an interface name" : undefined);
  if (problem !== undefined) return { path, why: `not a host-local reservation: ${problem}` };
  return { ip, path, containerId: id, ifName };
}
