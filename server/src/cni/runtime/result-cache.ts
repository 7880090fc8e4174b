// The result cache: one versioned record per attachment at
// <cacheDir>/results/<network>-<containerId>-<ifName>, written atomically. A missing file
// and an unreadable one are different outcomes (libcni folds them into one).
// Records are a few KB: reads, writes, renames and unlinks are synchronous (tens of µs, no
// thread-pool round trips on every ADD/DEL; unlink and rename are the same kind of journal
// operation). The fsync, which waits for the disk, is not, nor is creating the temp file,
// which ADD starts before its plugins run (reserve).
import { readFileSync, unlinkSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { CniResult, JsonObject } from "../spec/types.js";
import type { CacheSweep } from "./types.js";
import { isJsonObject } from "../spec/json-object.js";
import { isTempFile, startAtomicWrite, type SweepFailure } from "../../atomic-file/index.js";

export const CACHE_RECORD_KIND = "netattachCacheV1";

export interface CacheRecord {
  readonly kind: typeof CACHE_RECORD_KIND;
  readonly containerId: string;
  readonly ifName: string;
  readonly networkName: string;
  readonly netns: string;
  /** The whole configuration list as used for the ADD. */
  readonly config: JsonObject;
  /** CNI_ARGS pairs as the caller gave them (IgnoreUnknown is added at exec time). */
  readonly cniArgs: ReadonlyArray<readonly [string, string]>;
  readonly capabilityArgs: JsonObject;
  /** The final ADD result, in the list's version. */
  readonly result: CniResult;
}

export type CacheLookup =
  | { readonly status: "missing"; readonly path: string }
  | { readonly status: "corrupt"; readonly path: string; readonly reason: string }
  | { readonly status: "found"; readonly path: string; readonly record: CacheRecord };

export interface CacheWriteOptions {
  /** False skips the fsync (readers still see the old or the new record). */
  readonly sync?: boolean;
}

/** A write started ahead of time for one attachment: commit its record, or discard it. */
export interface PendingCacheWrite {
  /** Atomic, like write; the record must be for the attachment reserved. */
  commit(record: CacheRecord, opts?: CacheWriteOptions): Promise<void>;
  /** Nothing is written; never throws. */
  discard(): Promise<void>;
}

export interface ResultCache {
  read(networkName: string, containerId: string, ifName: string): Promise<CacheLookup>;
  /** Atomic; `sync: false` skips the fsync (readers still see the old or the new record). */
  write(record: CacheRecord, opts?: CacheWriteOptions): Promise<void>;
  /** Start a write whose record is not known yet (its temp file is created meanwhile). */
  reserve(networkName: string, containerId: string, ifName: string): PendingCacheWrite;
  /** Idempotent; the file is gone when it resolves. */
  remove(networkName: string, containerId: string, ifName: string): Promise<void>;
  /** Records of one network, plus corrupt files whose name says they may belong to it. */
  list(networkName: string): Promise<Array<Exclude<CacheLookup, { status: "missing" }>>>;
  /** Every record and every corrupt file (temp files aside). */
  listAll(): Promise<Array<Exclude<CacheLookup, { status: "missing" }>>>;
  /**
   * Removes temp files (writes that never finished) and corrupt records, best effort: one that
   * cannot be removed is returned in `failed`. Only when no ADD can be running (start-up): an ADD's
   * temp file exists while its plugins run.
   */
  sweep(): Promise<CacheSweep>;
}

export function createResultCache(cacheDir: string): ResultCache {
  const dir = join(cacheDir, "results");
  const fileOf = (net: string, id: string, ifName: string): string => join(dir, `${net}-${id}-${ifName}`);
  const reserve = (net: string, id: string, ifName: string): PendingCacheWrite => {
    const write = startAtomicWrite(fileOf(net, id, ifName), { makeDir: true });
    return {
      async commit(record, opts) {
        let data: string;
        try {
          data = JSON.stringify(record);
        } catch (err) {
          await write.discard();
          throw err;
        }
        await write.commit(data, { sync: opts?.sync !== false });
      },
      discard: () => write.discard(),
    };
  };

  return {
    read: (net, id, ifName) => readRecord(fileOf(net, id, ifName), { net, id, ifName }),
    write(record, opts) {
      return reserve(record.networkName, record.containerId, record.ifName).commit(record, opts);
    },
    reserve,
    async remove(net, id, ifName) {
      unlinkIfPresent(fileOf(net, id, ifName));
    },
    async list(net) {
      const mine = (await names()).filter((n) => n.startsWith(`${net}-`) && !isTempFile(n));
      const lookups = await Promise.all(mine.map((n) => readRecord(join(dir, n))));
      return lookups.filter(
        (l): l is Exclude<CacheLookup, { status: "missing" }> =>
          l.status === "corrupt" || (l.status === "found" && l.record.networkName === net),
      );
    },
    async listAll() {
      const lookups = await Promise.all(
        (await names()).filter((n) => !isTempFile(n)).map((n) => readRecord(join(dir, n))),
      );
      return lookups.filter((l): l is Exclude<CacheLookup, { status: "missing" }> => l.status !== "missing");
    },
    async sweep() {
      const all = await names();
      const tempFiles = all.filter((n) => isTempFile(n)).map((n) => join(dir, n));
      const corrupt = (await Promise.all(all.filter((n) => !isTempFile(n)).map((n) => readRecord(join(dir, n)))))
        .filter((l) => l.status === "corrupt")
        .map((l) => l.path);
      const failed: SweepFailure[] = [];
      const removed = (path: string): boolean => {
        try {
          unlinkIfPresent(path);
          return true;
        } catch (err) {
          failed.push({ path, error: err as Error });
          return false;
        }
      };
      return { tempFiles: tempFiles.filter(removed), corrupt: corrupt.filter(removed), failed };
    },
  };

  async function names(): Promise<string[]> {
    try {
      return (await readdir(dir)).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
  }
}

function unlinkIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
}

interface Expected {
  readonly net: string;
  readonly id: string;
  readonly ifName: string;
}

async function readRecord(path: string, expected?: Expected): Promise<CacheLookup> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { status: "missing", path };
    return { status: "corrupt", path, reason: `unreadable: ${code ?? String(err)}` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { status: "corrupt", path, reason: `not JSON: ${(err as Error).message}` };
  }
  const reason = recordProblem(value, expected);
  return reason === undefined
    ? { status: "found", path, record: value as CacheRecord }
    : { status: "corrupt", path, reason };
}

function recordProblem(v: unknown, expected: Expected | undefined): string | undefined {
  if (!isJsonObject(v)) return "not a JSON object";
  if (v.kind !== CACHE_RECORD_KIND) return `unknown kind ${JSON.stringify(v.kind)}`;
  for (const key of ["containerId", "ifName", "networkName", "netns"] as const) {
    if (typeof v[key] !== "string") return `"${key}" is not a string`;
  }
  if (!isJsonObject(v.config)) return `"config" is not an object`;
  if (
    !Array.isArray(v.cniArgs) ||
    !v.cniArgs.every((p) => Array.isArray(p) && p.length === 2 && p.every((s) => typeof s === "string"))
  ) {
    return `"cniArgs" is not a list of [key, value] pairs`;
  }
  if (!isJsonObject(v.capabilityArgs)) return `"capabilityArgs" is not an object`;
  if (!isJsonObject(v.result) || typeof v.result.cniVersion !== "string") return `"result" is not a CNI result`;
  if (expected && (v.networkName !== expected.net || v.containerId !== expected.id || v.ifName !== expected.ifName)) {
    return "record is for another attachment";
  }
  return undefined;
}
