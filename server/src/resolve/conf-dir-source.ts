// Networks defined by CNI conf/conflist files in one directory, found by their JSON `name`
// (multi-net spec 3.4.1: a conflist is preferred over a conf). Namespaces do not apply.
import { CONF_EXTENSIONS } from "../cni/index.js";
import { invalidConfigError, parseConfFile, type ConfFile } from "./conf-file.js";
import { createDirReader, type DirReaderOptions, type DirSnapshot } from "./dir-reader.js";
import type { NetworkDefinition, NetworkLookup, NetworkRef, NetworkSource } from "./types.js";

export function createConfDirSource(dir: string, options: DirReaderOptions = {}): NetworkSource {
  const reader = createDirReader(dir, CONF_EXTENSIONS, parseConfFile, options);
  return {
    description: `conf dir ${dir}`,
    async lookup(ref: NetworkRef, opts?: { signal?: AbortSignal }): Promise<NetworkLookup> {
      opts?.signal?.throwIfAborted();
      return findConfByName(await reader.read(), ref.name);
    },
    ready: () => true,
  };
}

/** Throws INVALID_NETWORK_CONFIG when the file that defines `name` is broken. */
export function findConfByName(snap: DirSnapshot<ConfFile>, name: string): NetworkLookup {
  if (snap.dirProblem !== undefined) return { tried: [`conf dir ${snap.dir} ${snap.dirProblem}`] };
  for (const f of snap.files) {
    if (f.parsed.kind === "invalid" && f.parsed.probableName === name)
      throw invalidConfigError(f.path, name, f.parsed.problem, f.parsed.cause);
  }
  const matches = snap.files.filter((f) => f.parsed.kind === "valid" && f.parsed.name === name);
  const best = matches.find((f) => f.parsed.kind === "valid" && f.parsed.list) ?? matches[0];
  if (best !== undefined && best.parsed.kind === "valid") {
    const found: NetworkDefinition = {
      name,
      config: best.parsed.config,
      origin: { kind: "conf-file", path: best.path },
    };
    return { found };
  }
  const known = snap.files.flatMap((f) =>
    f.parsed.kind === "valid" && f.parsed.name !== undefined ? [f.parsed.name] : [],
  );
  return {
    tried: [
      `conf dir ${snap.dir}: no conf or conflist with "name": ${JSON.stringify(name)} (${describeKnown(known)})`,
      ...snap.unreadable.map((u) => `conf dir ${snap.dir}: ${u.path} could not be read: ${u.problem}`),
      ...snap.files.flatMap((f) =>
        f.parsed.kind === "invalid" ? [`conf dir ${snap.dir}: ${f.path} skipped, it ${f.parsed.problem}`] : [],
      ),
    ],
  };
}

export function describeKnown(all: readonly string[]): string {
  const names = [...new Set(all)];
  if (names.length === 0) return "it holds none";
  const shown = names.slice(0, 10).join(", ");
  return `it holds ${shown}${names.length > 10 ? `, ... ${names.length - 10} more` : ""}`;
}
