// JSON.parse keeps the last of two equal keys without a word; the YAML form of the config refuses
// them, and so does this for the JSON form. Runs on text JSON.parse accepted, so the scan only
// needs to tell keys from other strings.

/** The first key that appears twice in one object, with its line; undefined when there is none. */
export function jsonDuplicateKey(text: string): { key: string; line: number } | undefined {
  const objects: Array<Set<string> | undefined> = []; // undefined: an array
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "{") objects.push(new Set());
    else if (c === "[") objects.push(undefined);
    else if (c === "}" || c === "]") objects.pop();
    else if (c === '"') {
      const start = i;
      for (i++; text[i] !== '"'; i++) if (text[i] === "\\") i++;
      const keys = objects.at(-1);
      let next = i + 1;
      while (/\s/.test(text[next] ?? "")) next++;
      if (keys === undefined || text[next] !== ":") continue;
      const key = JSON.parse(text.slice(start, i + 1)) as string;
      if (keys.has(key)) return { key, line: text.slice(0, start).split("\n").length };
      keys.add(key);
    }
  }
  return undefined;
}
