// The networks annotation (k8s.v1.cni.cncf.io/networks) in both forms. Pure, and bounded: size,
// element count and JSON depth are checked before any element is parsed.
import { jsonTextDepth } from "../cni/index.js";
import { DEFAULT_INPUT_LIMITS, limitExceeded, type InputLimits } from "../limits/input-limits.js";
import { parseSelectionElement, selectionToElement } from "./parse-selection-element.js";
import { parseTextSelections } from "./parse-text-selections.js";
import { valueError } from "./selection-error.js";
import { quoteInput } from "../errors/bounded-text.js";
import type { NetworkSelection } from "./types.js";

export type SelectionLimits = Pick<InputLimits, "maxAnnotationBytes" | "maxJsonDepth" | "maxNetworksPerPod"> & {
  /** Elements allowed in this annotation (what limits.maxNetworksPerPod leaves for it). */
  readonly maxElements: number;
};

const DEFAULT_SELECTION_LIMITS: SelectionLimits = {
  ...DEFAULT_INPUT_LIMITS,
  maxElements: DEFAULT_INPUT_LIMITS.maxNetworksPerPod - 1,
};

/**
 * Parse an annotation value into selections, in order, with `namespace` filled in
 * (`defaultNamespace` when an element names none: the pod's namespace for the networks
 * annotation, the daemon's for the default-network one). A blank value selects nothing.
 * Throws DaemonError INVALID_ANNOTATION (INTERFACE_CONFLICT for a bad interface name, LIMIT_EXCEEDED).
 */
export function parseNetworkSelections(
  value: string,
  defaultNamespace: string,
  annotation: string,
  limits: SelectionLimits = DEFAULT_SELECTION_LIMITS,
): NetworkSelection[] {
  const bytes = Buffer.byteLength(value, "utf8");
  if (bytes > limits.maxAnnotationBytes)
    throw limitExceeded(`annotation ${annotation} is ${bytes} bytes`, "maxAnnotationBytes", limits.maxAnnotationBytes, {
      source: annotation,
    });
  const trimmed = value.trim();
  if (trimmed === "") return [];
  // Multus' rule: any of these characters means the JSON form.
  if (!/[[{"]/.test(trimmed)) {
    checkCount(annotation, trimmed.split(",").length, limits);
    return parseTextSelections(trimmed, defaultNamespace, annotation);
  }
  const depth = jsonTextDepth(trimmed, limits.maxJsonDepth);
  if (depth > limits.maxJsonDepth)
    throw limitExceeded(
      `annotation ${annotation} nests JSON more than ${limits.maxJsonDepth} deep`,
      "maxJsonDepth",
      limits.maxJsonDepth,
      { source: annotation },
    );

  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch (err) {
    throw valueError(
      annotation,
      `is neither the text form (ns/name@if, ...) nor valid JSON: ${(err as Error).message}`,
      err,
    );
  }
  // A single object is accepted as a one-element list.
  const elements = Array.isArray(parsed)
    ? parsed
    : typeof parsed === "object" && parsed !== null
      ? [parsed]
      : undefined;
  if (elements === undefined)
    throw valueError(annotation, `JSON form must be an array of objects or one object, got ${quoteInput(parsed)}`);
  checkCount(annotation, elements.length, limits);
  return elements.map((element, i) =>
    parseSelectionElement(element, defaultNamespace, { source: annotation, index: i + 1 }),
  );
}

/** Check typed selections (from a request) with the same rules; namespace filled in. */
export function checkSelections(
  selections: readonly NetworkSelection[],
  defaultNamespace: string,
  source: string,
  limits: SelectionLimits = DEFAULT_SELECTION_LIMITS,
): NetworkSelection[] {
  checkCount(source, selections.length, limits);
  return selections.map((sel, i) =>
    parseSelectionElement(selectionToElement(sel), defaultNamespace, { source, index: i + 1 }),
  );
}

function checkCount(source: string, count: number, limits: SelectionLimits): void {
  if (count > limits.maxElements) {
    const others = limits.maxNetworksPerPod - limits.maxElements;
    throw limitExceeded(
      `${source} selects ${count} networks, and the pod has ${others} more (cluster and default networks)`,
      "maxNetworksPerPod",
      limits.maxNetworksPerPod,
      { source },
    );
  }
}
