// A daemon response as -o json/yaml prints it: the message's canonical proto JSON (ts-proto
// toJSON: enums by name, default values left out) with every `fooJson` string field the
// daemon sends replaced by `foo`, the parsed JSON value.

export function outputJson(protoJson: unknown): unknown {
  if (Array.isArray(protoJson)) return protoJson.map(outputJson);
  if (typeof protoJson !== "object" || protoJson === null) return protoJson;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(protoJson)) {
    if (key.endsWith("Json") && typeof value === "string") out[key.slice(0, -"Json".length)] = jsonField(value);
    else out[key] = outputJson(value);
  }
  return out;
}

/** JSON text from the daemon parsed; left as text if it is not JSON. */
export function jsonField(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
