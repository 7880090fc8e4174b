// Each key once per daemon log line, as raw JSON: a key twice breaks log pipelines (JSON.parse
// would hide it, keeping the last), whether the values agree or not.
import { describe, expect, it } from "vitest";
import { bindNew, callLogger } from "./call-logger.js";
import { createLogger } from "./create-logger.js";

function rawLines() {
  const lines: string[] = [];
  const log = createLogger({ level: "info", destination: { write: (line: string) => void lines.push(line) } });
  return { log, lines };
}

const repeated = (keys: string[]) => keys.filter((k, i) => keys.indexOf(k) !== i);

describe("a daemon log line names each key once", () => {
  it("bindNew binds no key its logger binds already, whatever the value: the call's (outer) one is kept", () => {
    const { log, lines } = rawLines();
    const call = callLogger(log, { rpc: "Del", containerId: "c-outer" });
    bindNew(call, { containerId: "c-inner", network: "n1" }).info("released");
    const keys = topLevelKeys(lines[0]!);
    expect(repeated(keys)).toEqual([]);
    expect(JSON.parse(lines[0]!)).toMatchObject({ rpc: "Del", containerId: "c-outer", network: "n1" });
  });

  it("a line's own field its logger binds with another value is kept as <key>_line; with the same value, left out", () => {
    const { log, lines } = rawLines();
    const call = callLogger(log, { rpc: "Gc", containerId: "c-call" });
    call.info({ containerId: "c-released", network: "n1" }, "released");
    call.info({ containerId: "c-call" }, "same");
    call.info({ containerId: "c-x", containerId_line: "taken" }, "both taken");
    for (const line of lines) expect(repeated(topLevelKeys(line))).toEqual([]);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      containerId: "c-call",
      containerId_line: "c-released",
      network: "n1",
    });
    expect(JSON.parse(lines[1]!)).not.toHaveProperty("containerId_line");
    expect(JSON.parse(lines[2]!)).toMatchObject({
      containerId: "c-call",
      containerId_line: "taken",
      containerId_line_line: "c-x",
    });
  });
});

/** The keys of a raw line's top-level object as written, repeats included (JSON.parse keeps the last only). */
function topLevelKeys(line: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') {
      let j = i + 1;
      while (line[j] !== '"') j += line[j] === "\\" ? 2 : 1;
      if (depth === 1 && expectKey) keys.push(JSON.parse(line.slice(i, j + 1)) as string);
      expectKey = false;
      i = j;
    } else if (c === "{" || c === "[") {
      depth++;
      expectKey = c === "{" && depth === 1;
    } else if (c === "}" || c === "]") depth--;
    else if (c === "," && depth === 1) expectKey = true;
  }
  return keys;
}
