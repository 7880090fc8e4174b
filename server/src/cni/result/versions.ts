// Result shape families: 0.1.0/0.2.0 (ip4/ip6), 0.3.x/0.4.0 (ips with version), 1.x.

export type ResultFamily = "020" | "040" | "100";

const FAMILIES: Readonly<Record<string, ResultFamily>> = {
  "0.1.0": "020",
  "0.2.0": "020",
  "0.3.0": "040",
  "0.3.1": "040",
  "0.4.0": "040",
  "1.0.0": "100",
  "1.1.0": "100",
};

export function resultFamily(version: string): ResultFamily | undefined {
  return Object.hasOwn(FAMILIES, version) ? FAMILIES[version] : undefined;
}
