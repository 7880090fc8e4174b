// The networks annotation (k8s.v1.cni.cncf.io/networks) in both forms. Pure.
import { parseSelectionElement, selectionToElement } from "./parse-selection-element.js";
import { parseTextSelections } from "./parse-text-selections.js";
import { valueError } from "./selection-error.js";
import { quoteInput } from "../errors/bounded-text.js";
import type { NetworkSelection } from "./types.js";

/**
 * Parse an annotation value into selections, in order, with `namespace` filled in
 * (`defaultNamespace` when an element names none: the pod's namespace for the networks
 * annotation, the daemon's for the default-network one). A blank value selects nothing.
 * Throws DaemonError INVALID_ANNOTATION (INTERFACE_CONFLICT for a bad interface name).
 */
export function parseNetworkSelections(value: string, defaultNamespace: string, annotation: string): NetworkSelection[] {
  const trimmed = value.trim();
  if (trimmed === "") return [];
  // Multus' rule: any of these characters means the JSON form.
  if (!/[[{"]/.test(trimmed)) return parseTextSelections(trimmed, defaultNamespace, annotation);

  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch (err) {
    throw valueError(annotation, `is neither the text form (ns/name@if, ...) nor valid JSON: ${(err as Error).message}`, err);
  }
  // A single object is accepted as a one-element list.
  const elements = Array.isArray(parsed) ? parsed : typeof parsed === "object" && parsed !== null ? [parsed] : undefined;
  if (elements === undefined) throw valueError(annotation, `JSON form must be an array of objects or one object, got ${quoteInput(parsed)}`);
  return elements.map((element, i) => parseSelectionElement(element, defaultNamespace, { source: annotation, index: i + 1 }));
}

/** Check typed selections (from a request) with the same rules; namespace filled in. */
export function checkSelections(selections: readonly NetworkSelection[], defaultNamespace: string, source: string): NetworkSelection[] {
  return selections.map((sel, i) => parseSelectionElement(selectionToElement(sel), defaultNamespace, { source, index: i + 1 }));
}
