// How deeply JSON nests, measured without recursion, so an input 10^5 levels deep is refused in
// linear time before anything parses, copies or prints it (JSON.stringify of such a value throws).

/** Deepest nesting of arrays and objects in JSON `text`; stops counting past `limit`. Strings are skipped; nothing is validated. */
export function jsonTextDepth(text: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > deepest && (deepest = depth) > limit) return deepest;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
  }
  return deepest;
}

/** Deepest nesting of arrays and objects in a parsed value; stops counting past `limit`. */
export function jsonValueDepth(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [v, d] = next;
    if (typeof v !== "object" || v === null) continue;
    if (d + 1 > deepest && (deepest = d + 1) > limit) return deepest;
    for (const child of Array.isArray(v) ? v : Object.values(v))
      if (typeof child === "object" && child !== null) stack.push([child, d + 1]);
  }
  return deepest;
}
