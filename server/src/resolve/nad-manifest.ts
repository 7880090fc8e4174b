// A manifest file of NetworkAttachmentDefinitions: YAML or JSON, several documents, and
// `kind: List` (what `kubectl get -o yaml` prints). Other kinds are ignored.
import { parseAllDocuments } from "yaml";
import { NAD_KIND, nadRecordFromObject, type NadRecord } from "./nad-object.js";
import { isJsonObject } from "../cni/index.js";

export interface ManifestFile {
  readonly records: readonly NadRecord[];
  /** Parts of the file that could not be read as a definition with a name. */
  readonly problems: readonly string[];
}

export function parseNadManifest(text: string, path: string): ManifestFile {
  const records: NadRecord[] = [];
  const problems: string[] = [];
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [];
  list.forEach((doc, i) => {
    const where = list.length > 1 ? `document ${i + 1}` : "document";
    const error = doc.errors[0];
    if (error !== undefined) {
      // The pretty message carries "at line L, column C" on its first line, then a snippet.
      problems.push(`${where}: YAML error: ${(error.message.split("\n")[0] ?? "").replace(/:$/, "")}`);
      return;
    }
    collect(doc.toJS({ maxAliasCount: 100 }), where, path, records, problems);
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
