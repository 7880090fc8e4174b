// Label values that come from configs or requests (network and plugin names) are capped: the
// first `max` distinct values are kept, later ones become "other". A pod annotation naming
// thousands of made-up networks cannot grow the metrics without bound.

export const OTHER_LABEL = "other";

export type LabelCap = (value: string) => string;

export function createLabelCap(max: number): LabelCap {
  const seen = new Set<string>();
  return (value) => {
    if (seen.has(value)) return value;
    if (seen.size >= max) return OTHER_LABEL;
    seen.add(value);
    return value;
  };
}
