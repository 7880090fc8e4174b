// A strict reader of the Prometheus text exposition format (0.0.4), independent of prom-client
// (which only writes it). Every line must be a HELP, a TYPE, a comment or a sample of a declared
// family (histogram/summary samples by their _bucket/_sum/_count suffixes); label values are
// unescaped; histograms are checked: buckets cumulative, the +Inf bucket equal to _count.
// Throws on anything else, naming the line.

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Family {
  readonly name: string;
  readonly type: "counter" | "gauge" | "histogram" | "summary" | "untyped";
  readonly help: string;
  readonly samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);

export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const lines = text.split("\n");
  if (lines.pop() !== "") throw new Error("the exposition must end with a newline");
  lines.forEach((line, i) => {
    const where = `line ${i + 1}: ${JSON.stringify(line)}`;
    if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
      const [, kind, name, ...rest] = line.split(" ");
      if (!NAME.test(name ?? "")) throw new Error(`${where}: bad metric name`);
      const family = families.get(name!) ?? { name: name!, type: "untyped" as Family["type"], help: "", samples: [] };
      if (kind === "TYPE") {
        const type = rest.join(" ");
        if (!TYPES.has(type) || family.samples.length > 0) throw new Error(`${where}: bad or late TYPE`);
        families.set(name!, { ...family, type: type as Family["type"] });
      } else {
        families.set(name!, { ...family, help: rest.join(" ") });
      }
      return;
    }
    if (line.startsWith("#") || line === "") return;
    const sample = parseSample(line, where);
    const family = familyOf(families, sample.name);
    if (!family) throw new Error(`${where}: sample of no declared family`);
    family.samples.push(sample);
  });
  for (const family of families.values()) if (family.type === "histogram") checkHistogram(family);
  return families;
}

function familyOf(families: Map<string, Family>, sampleName: string): Family | undefined {
  const exact = families.get(sampleName);
  if (exact) return exact;
  const m = /^(.*)_(bucket|sum|count)$/.exec(sampleName);
  const base = m ? families.get(m[1]!) : undefined;
  if (base && (base.type === "histogram" || (base.type === "summary" && m![2] !== "bucket"))) return base;
  return undefined;
}

function parseSample(line: string, where: string): Sample {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)( -?\d+)?$/.exec(line);
  if (!m) throw new Error(`${where}: not a sample line`);
  // Prometheus reads values with Go's ParseFloat, where NaN is any case: prom-client writes "Nan"
  // (an event-loop delay gauge with no sample since the previous scrape).
  const nan = /^nan$/i.test(m[3]!);
  const value = m[3] === "+Inf" ? Infinity : m[3] === "-Inf" ? -Infinity : nan ? NaN : Number(m[3]);
  if (Number.isNaN(value) && !nan) throw new Error(`${where}: bad value`);
  return { name: m[1]!, labels: m[2] ? parseLabels(m[2].slice(1, -1), where) : {}, value };
}

function parseLabels(text: string, where: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest !== "") {
    const m = /^([^=]+)="((?:[^"\\]|\\[\\"n])*)"(,|$)/.exec(rest);
    if (!m || !LABEL.test(m[1]!) || m[1]! in labels) throw new Error(`${where}: bad labels at ${JSON.stringify(rest)}`);
    labels[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    rest = rest.slice(m[0].length);
  }
  return labels;
}

const seriesKey = (labels: Readonly<Record<string, string>>): string =>
  JSON.stringify(
    Object.entries(labels)
      .filter(([k]) => k !== "le")
      .sort(([a], [b]) => a.localeCompare(b)),
  );

function checkHistogram(family: Family): void {
  const series = new Map<string, { buckets: Array<[number, number]>; count?: number }>();
  for (const s of family.samples) {
    const key = seriesKey(s.labels);
    const entry = series.get(key) ?? { buckets: [] };
    series.set(key, entry);
    if (s.name === `${family.name}_bucket`) {
      const le = s.labels.le;
      if (le === undefined) throw new Error(`${family.name}: a bucket without le`);
      entry.buckets.push([le === "+Inf" ? Infinity : Number(le), s.value]);
    } else if (s.name === `${family.name}_count`) entry.count = s.value;
  }
  for (const [key, { buckets, count }] of series) {
    const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
    sorted.forEach(([, v], i) => {
      if (i > 0 && v < sorted[i - 1]![1]) throw new Error(`${family.name}${key}: buckets are not cumulative`);
    });
    const inf = sorted.at(-1);
    if (!inf || inf[0] !== Infinity || inf[1] !== count)
      throw new Error(`${family.name}${key}: the +Inf bucket must equal _count`);
  }
}

/** The value of one sample: `name` (with its _count/_sum/_bucket suffix) whose labels include `labels`; 0 when absent. */
export function sampleValue(
  families: Map<string, Family>,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number {
  const family = familyOf(families, name);
  const found =
    family?.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) ?? [];
  return found.reduce((sum, s) => sum + s.value, 0);
}
