// Text form of the networks annotation: `[ns/]name[@ifname]`, comma-separated.
import { interfaceNameProblem } from "../cni/index.js";
import { isDnsLabel } from "./name-checks.js";
import { elementError, type ElementPlace } from "./selection-error.js";
import { quoteInput } from "../errors/bounded-text.js";
import type { NetworkSelection } from "./types.js";

export function parseTextSelections(value: string, podNamespace: string, source: string): NetworkSelection[] {
  return value
    .split(",")
    .map((raw, i) => parseTextElement(raw.trim(), podNamespace, { source, index: i + 1, label: raw.trim() }));
}

function parseTextElement(item: string, podNamespace: string, place: ElementPlace): NetworkSelection {
  if (item === "") throw elementError(place, "is empty (stray comma?)");
  const at = item.split("@");
  if (at.length > 2) throw elementError(place, `has more than one '@': ${quoteInput(item)}`);
  const slash = (at[0] ?? "").split("/");
  if (slash.length > 2) throw elementError(place, `has more than one '/': ${quoteInput(item)}`);
  const [namespace, name] = slash.length === 2 ? [slash[0] ?? "", slash[1] ?? ""] : [undefined, slash[0] ?? ""];
  const here = { ...place, network: `${namespace ?? podNamespace}/${name}` };

  if (!isDnsLabel(name))
    throw elementError(
      here,
      `network name ${quoteInput(name)} is not a DNS-1123 label (lower case a-z, 0-9 and '-', at most 63)`,
    );
  if (namespace !== undefined && !isDnsLabel(namespace)) {
    throw elementError(
      here,
      `namespace ${quoteInput(namespace)} is not a DNS-1123 label (lower case a-z, 0-9 and '-', at most 63)`,
    );
  }
  const ifName = at.length === 2 ? (at[1] ?? "") : undefined;
  if (ifName !== undefined) {
    const problem = interfaceNameProblem(ifName);
    if (problem)
      throw elementError(here, `interface name ${quoteInput(ifName)} ${problem}`, "INTERFACE_CONFLICT", { ifName });
  }
  return { name, namespace: namespace ?? podNamespace, ...(ifName === undefined ? {} : { interface: ifName }) };
}
