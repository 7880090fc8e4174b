// One element of the JSON form of the networks annotation (multi-net spec 4.1.2), checked
// field by field. Also used to check explicit selections from a request.
import { elementError, type ElementPlace } from "./selection-error.js";
import { quoteInput } from "../errors/bounded-text.js";
import { isJsonObject } from "../cni/index.js";
import { SELECTION_FIELDS, type SelectionDraft } from "./selection-fields.js";
import type { Fail } from "./selection-options.js";
import { rejectUnknownKeys } from "./selection-options.js";
import type { NetworkSelection } from "./types.js";

const KNOWN_KEYS = Object.keys(SELECTION_FIELDS);

export function parseSelectionElement(raw: unknown, defaultNamespace: string, place: ElementPlace): NetworkSelection {
  if (!isJsonObject(raw)) throw elementError(place, `is not a JSON object: ${quoteInput(raw)}`);
  const named = typeof raw.name === "string" && raw.name !== "" ? raw.name : undefined;
  const namespace = typeof raw.namespace === "string" && raw.namespace !== "" ? raw.namespace : defaultNamespace;
  const here: ElementPlace = {
    ...place,
    label: named,
    network: named === undefined ? undefined : `${namespace}/${named}`,
  };
  const fail: Fail = (problem, opts) => {
    const ifName = opts?.interfaceName;
    throw elementError(
      here,
      problem,
      ifName === undefined ? "INVALID_ANNOTATION" : "INTERFACE_CONFLICT",
      ifName === undefined ? {} : { ifName },
    );
  };

  if (raw.name === undefined || raw.name === null) fail(`"name" is required`);
  rejectUnknownKeys(raw, KNOWN_KEYS, "", fail);
  if (hasValue(raw.interface) && hasValue(raw.interfaceRequest) && raw.interface !== raw.interfaceRequest) {
    fail(
      `"interface" ${quoteInput(raw.interface)} and legacy "interfaceRequest" ${quoteInput(raw.interfaceRequest)} disagree`,
    );
  }

  const draft: Partial<SelectionDraft> = {};
  for (const [key, read] of Object.entries(SELECTION_FIELDS)) {
    const value = raw[key];
    // Go's decoder (Multus) treats null like an absent key.
    if (hasValue(value)) Object.assign(draft, read(value, fail));
  }
  // Multi-net spec 1.3: a claimed IP and static IPs contradict each other.
  if (draft.ips !== undefined && draft.ipamClaimReference !== undefined)
    fail(`"ips" and "ipam-claim-reference" cannot be used together`);
  return { ...draft, name: draft.name as string, namespace: draft.namespace ?? defaultNamespace };
}

function hasValue(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/** The JSON element form of a typed selection, so explicit request selections get the same checks. */
export function selectionToElement(sel: NetworkSelection): Record<string, unknown> {
  const element: Record<string, unknown> = {
    name: sel.name,
    namespace: sel.namespace,
    interface: sel.interface,
    ips: sel.ips,
    mac: sel.mac,
    "default-route": sel.defaultRoute,
    portMappings: sel.portMappings,
    bandwidth: sel.bandwidth,
    "cni-args": sel.cniArgs,
    "infiniband-guid": sel.infinibandGuid,
    deviceID: sel.deviceId,
    "ipam-claim-reference": sel.ipamClaimReference,
  };
  for (const key of Object.keys(element)) if (element[key] === undefined) delete element[key];
  return element;
}
