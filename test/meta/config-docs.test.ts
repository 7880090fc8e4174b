// docs/config.md lists every key the code reads — daemon config keys (with their defaults),
// netattachd flags, and the shim's conf keys — so it cannot drift as keys are added. A failure
// names the undocumented key.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DEFAULTS, knownKeys } from "../../server/src/config/index.js";
import { FLAGS } from "../../server/src/config/parse-flags.js";
import { renderConflist } from "../../tools/src/commands/install.js";
import { SHIM_CONF_SCHEMA } from "../../client-cni/src/shim-conf.js";

const doc = readFileSync(new URL("../../docs/config.md", import.meta.url), "utf8");

/** The text of one `## heading` section. */
function section(title: string): string {
  const start = doc.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`docs/config.md has no "## ${title}" section`);
  const end = doc.indexOf("\n## ", start + 1);
  return doc.slice(start, end < 0 ? undefined : end);
}

/** Table rows by their first cell's backticked key. */
function rows(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of text.split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    const key = /^`([^`]+)`/.exec(cells[1] ?? "")?.[1];
    if (key !== undefined && !key.startsWith("-")) out.set(key, cells.slice(2));
  }
  return out;
}

function defaultOf(path: string): unknown {
  return path.split(".").reduce<unknown>((o, key) => (o as Record<string, unknown> | undefined)?.[key], DEFAULTS);
}

describe("docs/config.md ⇄ the code", () => {
  const daemon = rows(section("Daemon config keys"));
  const shim = rows(section("Shim conf keys"));

  it("documents every daemon config key", () => {
    const undocumented = knownKeys().filter((k) => !daemon.has(k));
    expect(
      undocumented,
      `daemon config keys missing from docs/config.md "Daemon config keys": ${undocumented.join(", ")}`,
    ).toEqual([]);
  });

  it("documents no daemon key the validator rejects", () => {
    const known = knownKeys();
    expect([...daemon.keys()].filter((k) => !known.includes(k))).toEqual([]);
  });

  it("shows each daemon default as DEFAULTS has it", () => {
    const wrong = knownKeys().flatMap((k) => {
      const value = defaultOf(k);
      if (value === undefined || value === "") return [];
      const text = Array.isArray(value) ? `[${value.join(", ")}]` : String(value);
      return daemon.get(k)?.[0]?.includes(`\`${text}\``) ? [] : [`${k}: default is \`${text}\``];
    });
    expect(wrong).toEqual([]);
  });

  it("documents every netattachd flag", () => {
    const flags = section("Daemon config keys");
    const undocumented = Object.keys(FLAGS).filter((f) => !flags.includes(`\`--${f}\``));
    expect(undocumented, `netattachd flags missing from docs/config.md: ${undocumented.join(", ")}`).toEqual([]);
  });

  it("documents every shim conf key the shim reads and install writes", () => {
    const read = Object.keys(SHIM_CONF_SCHEMA.entries);
    const conflist = JSON.parse(
      renderConflist(
        { socket: "/s", cniVersion: "1.0.0", readinessTimeoutMs: 1, logFile: "/l", logLevel: "warn" },
        { name: "c", file: "f" },
      ),
    ) as { plugins: Array<Record<string, unknown>> } & Record<string, unknown>;
    const written = [...Object.keys(conflist), ...Object.keys(conflist.plugins[0] ?? {})].filter(
      (k) => k !== "plugins",
    );
    const undocumented = [...new Set([...read, ...written])].filter((k) => !shim.has(k));
    expect(
      undocumented,
      `shim conf keys missing from docs/config.md "Shim conf keys": ${undocumented.join(", ")}`,
    ).toEqual([]);
  });
});
