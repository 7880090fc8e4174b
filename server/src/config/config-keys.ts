// The keys of the config schema, walked section by section: what docs/config.md must list, and
// which keys of a config file this netattachd does not know. An unknown key is ignored with a
// warning rather than refused: `kubectl rollout undo` rolls back the image, not the ConfigMap, and
// an older netattachd that refused a newer release's key would stop serving ADD and DEL on every
// node at once. A typo still says so loudly, with the known key it is closest to.
import { isJsonObject } from "../cni/index.js";
import { DAEMON_CONFIG_SCHEMA } from "./config-schema.js";

/** A key of the config that this netattachd does not know, ignored. */
export interface ConfigWarning {
  /** Dotted path of the key: "kubernetes.nodname". */
  readonly key: string;
  /** "kubernetes.nodname: unknown to this netattachd, ignored (…): did you mean kubernetes.nodeName?" */
  readonly message: string;
}

/** The entries of an (optional) section of the schema; undefined for a leaf. */
export function sectionEntries(schema: unknown): Record<string, unknown> | undefined {
  const s = schema as { type?: string; wrapped?: unknown; entries?: Record<string, unknown> };
  if (s.type === "optional") return sectionEntries(s.wrapped);
  return s.type === "strict_object" ? s.entries : undefined;
}

/** Every key of the schema (config-schema.ts), sections walked: "kubernetes.mode", … */
export function knownKeys(schema: unknown = DAEMON_CONFIG_SCHEMA, prefix = ""): string[] {
  const entries = sectionEntries(schema);
  if (entries === undefined) throw new Error(`${prefix || "the config"} is not a section of the schema`);
  return Object.entries(entries).flatMap(([key, value]) =>
    sectionEntries(value) !== undefined ? knownKeys(value, `${prefix}${key}.`) : [`${prefix}${key}`],
  );
}

/**
 * `raw` without the keys the schema does not know, at any depth (a section given as something
 * other than a mapping is left to the schema, which refuses it), and a warning for each, in the
 * order they were written.
 */
export function withoutUnknownKeys(raw: Record<string, unknown>): {
  known: Record<string, unknown>;
  warnings: ConfigWarning[];
} {
  const warnings: ConfigWarning[] = [];
  const all = knownKeys();
  const walk = (level: Record<string, unknown>, schema: unknown, prefix: string): Record<string, unknown> => {
    const entries = sectionEntries(schema)!;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(level)) {
      const path = `${prefix}${key}`;
      if (!Object.hasOwn(entries, key)) {
        warnings.push(unknownKeyWarning(path, all));
        continue;
      }
      const sub = entries[key];
      out[key] = sectionEntries(sub) !== undefined && isJsonObject(value) ? walk(value, sub, `${path}.`) : value;
    }
    return out;
  };
  return { known: walk(raw, DAEMON_CONFIG_SCHEMA, ""), warnings };
}

function unknownKeyWarning(path: string, known: readonly string[]): ConfigWarning {
  const close = closestKey(path, known);
  const hint = close !== undefined ? `: did you mean ${close}?` : "";
  return {
    key: path,
    message: `${path}: unknown to this netattachd, ignored (a newer release's key, or a typo)${hint}`,
  };
}

/**
 * The known key an unknown one most likely meant: the same name in another section
 * (nodeName → kubernetes.nodeName), else the nearest name by edit distance, a sibling first; none
 * when nothing is near enough to be a typo.
 */
function closestKey(path: string, known: readonly string[]): string | undefined {
  const name = leaf(path).toLowerCase();
  const parent = path.slice(0, path.length - leaf(path).length);
  const limit = name.length <= 4 ? 1 : name.length <= 8 ? 2 : 3;
  let best: { key: string; score: number } | undefined;
  for (const key of known) {
    const distance = editDistance(name, leaf(key).toLowerCase());
    if (distance > limit) continue;
    // Siblings before keys of other sections at the same distance.
    const score = distance * 2 + (key.startsWith(parent) && !key.slice(parent.length).includes(".") ? 0 : 1);
    if (best === undefined || score < best.score) best = { key, score };
  }
  return best?.key;
}

const leaf = (path: string): string => path.slice(path.lastIndexOf(".") + 1);

/**
 * Optimal string alignment distance: insertions, deletions, substitutions and transpositions of
 * two neighbours each count 1 (clusterNetwrok is one step from clusterNetwork).
 */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}
