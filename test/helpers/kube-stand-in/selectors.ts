// fieldSelector / labelSelector subsets the stand-in understands: `a=b`, `a==b`, `a!=b`,
// comma-joined. Unknown fields fail the request like the API server does (400).
import { StandInError } from "./object-store.js";
import type { KubeObject } from "./types.js";

type Pred = (o: KubeObject) => boolean;

const FIELDS: Record<string, (o: KubeObject) => string | undefined> = {
  "metadata.name": (o) => o.metadata.name,
  "metadata.namespace": (o) => o.metadata.namespace,
  "spec.nodeName": (o) => (o.spec as { nodeName?: string } | undefined)?.nodeName ?? "",
};

function terms(selector: string): Array<{ field: string; op: "=" | "!="; value: string }> {
  return selector
    .split(",")
    .filter((t) => t.trim() !== "")
    .map((t) => {
      const m = /^\s*([^!=\s]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(t);
      if (!m) throw new StandInError(400, "BadRequest", `unable to parse requirement: ${t}`);
      return { field: m[1]!, op: m[2] === "!=" ? "!=" : "=", value: m[3]! };
    });
}

export function fieldSelector(selector: string | undefined): Pred {
  if (!selector) return () => true;
  const preds = terms(selector).map(({ field, op, value }): Pred => {
    const get = FIELDS[field];
    if (!get) throw new StandInError(400, "BadRequest", `field label not supported: ${field}`);
    return op === "=" ? (o) => get(o) === value : (o) => get(o) !== value;
  });
  return (o) => preds.every((p) => p(o));
}

export function labelSelector(selector: string | undefined): Pred {
  if (!selector) return () => true;
  const preds = terms(selector).map(
    ({ field, op, value }): Pred =>
      (o) =>
        (o.metadata.labels?.[field] === value) === (op === "="),
  );
  return (o) => preds.every((p) => p(o));
}
