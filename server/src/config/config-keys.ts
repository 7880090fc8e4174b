// The keys of the config schema, walked section by section: what docs/config.md must list, and
// which keys of a config file this netattachd does not know. An unknown key with no known key close
// to it is ignored with a warning rather than refused: `kubectl rollout undo` rolls back the image,
// not the ConfigMap, and an older netattachd that refused a newer release's key would stop serving
// ADD and DEL on every node at once. An unknown key that is a typo of a known one (a sibling within
// typo distance, the same words reworded, or the same name in another section) is refused: ignoring
// it would leave the known key at its default, and for namespaceIsolation or confDirFallback that is
// the permissive value.
// So a release must not add a key that close to an existing one (config-keys.test.ts checks), and
// a key a release retires or renames goes into RETIRED_KEYS, refused naming its replacement.
import { isJsonObject } from "../cni/index.js";
import { DAEMON_CONFIG_SCHEMA } from "./config-schema.js";

/** A key of the config that this netattachd does not know, ignored. */
export interface ConfigWarning {
  /** Dotted path of the key: "kubernetes.nodname". */
  readonly key: string;
  /** "kubernetes.nodname: unknown to this netattachd, ignored (…): did you mean kubernetes.nodeName?" */
  readonly message: string;
}

/** A key of the config that this netattachd refuses: a typo of a known key, or a retired key. */
export interface ConfigRefusal {
  /** Dotted path of the key: "namespaceIsolaton". */
  readonly key: string;
  /** The path as its steps, to order it among the schema's issues. */
  readonly path: readonly string[];
  /** "namespaceIsolaton: unknown key, refused as a likely typo (…): did you mean namespaceIsolation?" */
  readonly message: string;
}

/** A key an earlier release read and this one does not: `replacedBy` is the known key that took its place. */
export interface RetiredKey {
  readonly replacedBy: string;
  /** The release that retired it: "v1.4". */
  readonly since: string;
}

/**
 * Keys retired or renamed, by dotted path: refused naming their replacement, so an old ConfigMap's
 * setting never silently stops applying. Empty: no release has retired a key yet.
 */
export const RETIRED_KEYS: ReadonlyMap<string, RetiredKey> = new Map();

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
 * other than a mapping is left to the schema, which refuses it): a refusal for each typo of a known
 * key and each retired key, a warning for each other, in the order they were written.
 */
export function withoutUnknownKeys(
  raw: Record<string, unknown>,
  retired: ReadonlyMap<string, RetiredKey> = RETIRED_KEYS,
): { known: Record<string, unknown>; warnings: ConfigWarning[]; refusals: ConfigRefusal[] } {
  const warnings: ConfigWarning[] = [];
  const refusals: ConfigRefusal[] = [];
  const all = knownKeys();
  const walk = (level: Record<string, unknown>, schema: unknown, steps: readonly string[]): Record<string, unknown> => {
    const entries = sectionEntries(schema)!;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(level)) {
      const keySteps = [...steps, key];
      const path = keySteps.join(".");
      if (!Object.hasOwn(entries, key)) {
        const judged = judgeUnknownKey(path, all, retired);
        if ("warning" in judged) warnings.push({ key: path, message: judged.warning });
        else refusals.push({ key: path, path: keySteps, message: judged.refusal });
        continue;
      }
      const sub = entries[key];
      out[key] = sectionEntries(sub) !== undefined && isJsonObject(value) ? walk(value, sub, keySteps) : value;
    }
    return out;
  };
  return { known: walk(raw, DAEMON_CONFIG_SCHEMA, []), warnings, refusals };
}

/**
 * What becomes of a key the schema does not know: a retired key is refused naming its replacement;
 * a typo of a known key (a sibling within typo distance, the same words reworded, or the same name
 * in another section: nodeName → kubernetes.nodeName) is refused naming it; anything else is
 * ignored with a warning, with a hint when a key of another section is near.
 */
export function judgeUnknownKey(
  path: string,
  known: readonly string[],
  retired: ReadonlyMap<string, RetiredKey> = RETIRED_KEYS,
): { warning: string } | { refusal: string } {
  const gone = retired.get(path);
  if (gone !== undefined)
    return {
      refusal: `${path}: retired in ${gone.since}, use ${gone.replacedBy} instead (ignoring it would silently leave its value unapplied)`,
    };
  const near = nearKeys(path, known);
  const typo = closest(near.filter((m) => m.sibling || m.distance === 0));
  if (typo !== undefined)
    return {
      refusal: `${path}: unknown key, refused as a likely typo (ignoring it would silently leave its value unapplied): did you mean ${typo}?`,
    };
  const hint = closest(near);
  return {
    warning: `${path}: unknown to this netattachd, ignored (a newer release's key, or a typo)${hint !== undefined ? `: did you mean ${hint}?` : ""}`,
  };
}

interface NearKey {
  readonly key: string;
  readonly distance: number;
  /** In the same section as the unknown key. */
  readonly sibling: boolean;
}

/**
 * The known keys whose name is near enough to the unknown one's to be a typo of it: within edit
 * distance, or the same two or more words reworded (isolateNamespaces, namespace_isolation:
 * namespaceIsolation), which counts as the same name. One word alone (annotation) is left to the
 * edit distance, as keys of different sections may share it.
 */
function nearKeys(path: string, known: readonly string[]): NearKey[] {
  const name = leaf(path).toLowerCase();
  const words = wordStems(leaf(path));
  const parent = path.slice(0, path.length - leaf(path).length);
  const limit = name.length <= 4 ? 1 : name.length <= 8 ? 2 : 3;
  return known.flatMap((key) => {
    const reworded = words.includes(" ") && wordStems(leaf(key)) === words;
    const distance = reworded ? 0 : editDistance(name, leaf(key).toLowerCase());
    const sibling = key.startsWith(parent) && !key.slice(parent.length).includes(".");
    return distance > limit ? [] : [{ key, distance, sibling }];
  });
}

/**
 * A key name's words (camelCase, snake_case or kebab-case), each cut to its first five letters so
 * that isolate and isolation, namespace and namespaces meet, sorted: "isola names".
 */
function wordStems(name: string): string {
  const words = name.split(/[_\-\s]+|(?<=[a-z0-9])(?=[A-Z])/u).filter((w) => w !== "");
  return words
    .map((w) => w.toLowerCase().slice(0, 5))
    .sort()
    .join(" ");
}

/** The nearest of `near`, a sibling before a key of another section at the same distance. */
function closest(near: readonly NearKey[]): string | undefined {
  const score = (m: NearKey): number => m.distance * 2 + (m.sibling ? 0 : 1);
  let best: NearKey | undefined;
  for (const m of near) if (best === undefined || score(m) < score(best)) best = m;
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
