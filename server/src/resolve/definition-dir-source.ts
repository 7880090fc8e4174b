// Networks from a directory of NetworkAttachmentDefinition manifests (the no-cluster
// stand-in for the Kubernetes source), resolving `namespace/name`.
import { DaemonError } from "../errors/daemon-error.js";
import { createConfDirSource, describeKnown } from "./conf-dir-source.js";
import type { ConfDirFallback } from "./conf-dir-fallback.js";
import { createDirReader } from "./dir-reader.js";
import { parseNadManifest } from "./nad-manifest.js";
import { describeNad, nadToDefinition } from "./nad-to-definition.js";
import type { NadRecord } from "./nad-object.js";
import type { NetworkLookup, NetworkRef, NetworkSource } from "./types.js";

export const MANIFEST_EXTENSIONS = [".yaml", ".yml", ".json"] as const;

export interface DefinitionDirOptions {
  readonly dir: string;
  /** Where definitions without spec.config find their config: a conf dir path or source. */
  readonly confDir: string | NetworkSource;
  /** limits.maxJsonDepth, for the nesting of a manifest file. */
  readonly maxDepth?: number;
  /** limits.maxDefinitionFileBytes: a larger manifest file is reported, not read. */
  readonly maxFileBytes?: number;
  /** Which definitions without spec.config may use the conf dir; all when absent. */
  readonly confDirFallback?: ConfDirFallback;
}

export function createDefinitionDirSource(options: DefinitionDirOptions): NetworkSource {
  const { dir } = options;
  const confSource =
    typeof options.confDir === "string"
      ? createConfDirSource(options.confDir, { maxFileBytes: options.maxFileBytes })
      : options.confDir;
  const reader = createDirReader(
    dir,
    MANIFEST_EXTENSIONS,
    (text, path) => parseNadManifest(text, path, options.maxDepth),
    { maxFileBytes: options.maxFileBytes },
  );
  // Parsed once now, in the background: the first pod's lookup finds thousands of files done.
  void reader.read().catch(() => undefined);
  const place = `definitions dir ${dir}`;

  return {
    description: place,
    ready: () => true,
    async lookup(ref: NetworkRef, opts?: { signal?: AbortSignal }): Promise<NetworkLookup> {
      opts?.signal?.throwIfAborted();
      const snap = await reader.read();
      if (snap.dirProblem !== undefined) return { tried: [`${place} ${snap.dirProblem}`] };
      const all = snap.files.flatMap((f) => f.parsed.records);
      const matches = all.filter((r) => r.namespace === ref.namespace && r.name === ref.name);
      const [first, second] = matches;
      if (first !== undefined && second !== undefined) throw duplicateError(matches);
      if (first !== undefined)
        return nadToDefinition(first, confSource, { ...opts, fallback: options.confDirFallback });
      return {
        tried: [
          `${place}: no NetworkAttachmentDefinition ${ref.namespace}/${ref.name} (${nearby(all, ref)})`,
          ...snap.unreadable.map((u) => `${place}: ${u.path} could not be read: ${u.problem}`),
          ...snap.files.flatMap((f) => f.parsed.problems.map((p) => `${place}: ${f.path}: ${p} (skipped)`)),
        ],
      };
    },
  };
}

/** What the user may have meant: the same name elsewhere, or what the namespace holds. */
function nearby(all: readonly NadRecord[], ref: NetworkRef): string {
  const elsewhere = all.filter((r) => r.name === ref.name).map((r) => r.namespace);
  if (elsewhere.length > 0)
    return `${JSON.stringify(ref.name)} exists in namespace ${[...new Set(elsewhere)].join(", ")}`;
  return `namespace ${ref.namespace}: ${describeKnown(all.filter((r) => r.namespace === ref.namespace).map((r) => r.name))}`;
}

function duplicateError(matches: readonly NadRecord[]): DaemonError {
  const first = matches[0] as NadRecord;
  const network = `${first.namespace}/${first.name}`;
  return new DaemonError(
    "INVALID_NETWORK_CONFIG",
    `NetworkAttachmentDefinition ${network} is defined ${matches.length} times: ${matches.map((m) => describeNad(m)).join("; ")}`,
    { network, source: describeNad(first), phase: "resolve" },
  );
}
