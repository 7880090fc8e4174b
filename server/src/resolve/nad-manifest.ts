// A manifest file of NetworkAttachmentDefinitions: YAML or JSON, several documents, and
// `kind: List` (what `kubectl get -o yaml` prints). Other kinds are ignored.
import { readYamlDocuments, yamlTextDepth } from "../limits/bounded-yaml.js";
import { DEFAULT_INPUT_LIMITS, overLimit } from "../limits/input-limits.js";
import { NAD_KIND, nadRecordFromObject, type NadRecord } from "./nad-object.js";
import { isJsonObject } from "../cni/index.js";

export interface ManifestFile {
  readonly records: readonly NadRecord[];
  /** Parts of the file that could not be read as a definition with a name. */
  readonly problems: readonly string[];
}

/** `maxDepth` is limits.maxJsonDepth: a file nested deeper is one problem, and nothing in it is read. */
export function parseNadManifest(
  text: string,
  path: string,
  maxDepth = DEFAULT_INPUT_LIMITS.maxJsonDepth,
): ManifestFile {
  const records: NadRecord[] = [];
  const problems: string[] = [];
  if (yamlTextDepth(text, maxDepth) > maxDepth)
    return { records, problems: [overLimit(`nests more than ${maxDepth} deep`, "maxJsonDepth", maxDepth)] };
  const docs = readYamlDocuments(text);
  docs.forEach((doc, i) => {
    const where = docs.length > 1 ? `document ${i + 1}` : "document";
    // A syntax error's first line carries "at line L, column C".
    if ("problem" in doc) problems.push(`${where}: YAML error: ${doc.problem}`);
    else collect(doc.value, where, path, records, problems);
  });
  return { records, problems };
}

function collect(obj: unknown, where: string, path: string, records: NadRecord[], problems: string[]): void {
  if (obj === null || obj === undefined) return;
  if (!isJsonObject(obj)) {
    problems.push(`${where} is not a mapping`);
    return;
  }
  if (typeof obj.kind === "string" && obj.kind.endsWith("List") && Array.isArray(obj.items)) {
    obj.items.forEach((item: unknown, j: number) => collect(item, `${where} item ${j + 1}`, path, records, problems));
    return;
  }
  if (obj.kind === undefined) {
    problems.push(`${where} has no "kind"`);
    return;
  }
  if (obj.kind !== NAD_KIND) return;
  const rec = nadRecordFromObject(obj, path);
  if ("name" in rec) records.push(rec);
  else problems.push(`${where}: ${NAD_KIND} ${rec.problem}`);
}
