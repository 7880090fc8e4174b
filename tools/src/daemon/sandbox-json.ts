// The proto JSON that --selections and --runtime-config take, checked before it becomes a
// message: ts-proto's fromJSON coerces anything (String(1), Number("abc")), so a wrong type would
// otherwise surface as a serialisation failure or a network named "1".
import * as v from "valibot";
import { isJsonObject } from "../../../server/src/cni/index.js";
import { quoteInput } from "../../../server/src/errors/bounded-text.js";
import {
  BANDWIDTH_VALUE_RULE,
  isBandwidthValue,
  isPortNumber,
  PORT_NUMBER_RULE,
} from "../../../server/src/resolve/index.js";
import { UsageError } from "../command.js";

type Entries = v.ObjectEntries;

/** A message: an object with only its own JSON field names (a typo such as hostIP is named, not dropped). */
function message<E extends Entries>(type: string, entries: E) {
  const unknown = `is not a field of ${type} (fields: ${Object.keys(entries).join(", ")})`;
  return v.pipe(
    v.custom<Record<string, unknown>>(isJsonObject, "must be a JSON object"),
    v.strictObject(entries, (issue) => (issue.expected === "never" ? unknown : "is required")),
  );
}

/** Proto JSON allows null for any field: the default, as if absent. */
const opt = <S extends v.GenericSchema>(schema: S) => v.nullish(schema);

const str = v.string("must be a string");
const strList = v.array(str, "must be a list of strings");

/** An integer as proto JSON writes one (a number or its decimal text), checked by the daemon's own rule. */
function int(rule: (n: unknown) => boolean, what: string) {
  return v.pipe(
    v.unknown(),
    v.transform((x) => (typeof x === "string" && /^-?\d+$/.test(x) ? Number(x) : x)),
    v.check(rule, what),
  );
}

// The daemon's rules: a selection's ports and the runtime's port mappings mean the same thing.
const port = int(isPortNumber, PORT_NUMBER_RULE);
// int64 in bits/s and bits.
const rate = opt(int(isBandwidthValue, BANDWIDTH_VALUE_RULE));

const PORT_MAPPING = message("PortMapping", {
  hostPort: port,
  containerPort: port,
  protocol: opt(str),
  hostIp: opt(str),
});

const BANDWIDTH = message("Bandwidth", {
  ingressRate: rate,
  ingressBurst: rate,
  egressRate: rate,
  egressBurst: rate,
});

/** A JSON object as text, as the proto's `*Json` fields carry it; the daemon parses it. */
const jsonText = v.string('must be a string holding a JSON object, e.g. "{\\"key\\":\\"value\\"}"');

export const RUNTIME_CONFIG = message("RuntimeConfig", {
  portMappings: opt(v.array(PORT_MAPPING, "must be a list")),
  bandwidth: opt(BANDWIDTH),
  dns: opt(message("DnsCapability", { servers: opt(strList), searches: opt(strList), options: opt(strList) })),
  ips: opt(strList),
  mac: opt(str),
  cgroupPath: opt(str),
  extraJson: opt(jsonText),
});

const NETWORK_SELECTION = message("NetworkSelection", {
  name: str,
  namespace: opt(str),
  interface: opt(str),
  ips: opt(strList),
  mac: opt(str),
  defaultRoute: opt(message("DefaultRoute", { gateways: opt(strList) })),
  portMappings: opt(v.array(PORT_MAPPING, "must be a list")),
  bandwidth: opt(BANDWIDTH),
  cniArgsJson: opt(jsonText),
  infinibandGuid: opt(str),
  deviceId: opt(str),
  ipamClaimReference: opt(str),
});

export const SELECTIONS = v.array(NETWORK_SELECTION, "must be a JSON list");

/**
 * The flag's JSON text, parsed and checked against `schema`; the value is returned as parsed (for
 * fromJSON). A problem is a UsageError naming the flag and where in the JSON it is, the first one.
 */
export function parseJsonFlag(text: string, flag: string, schema: v.GenericSchema): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${flag} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  const checked = v.safeParse(schema, value, { abortEarly: true });
  if (!checked.success) throw new UsageError(describeIssue(flag, checked.issues[0]));
  return value;
}

/** `--flag: portMappings[0].hostPort must be ..., got "abc"`; a missing or unknown field shows no value. */
function describeIssue(flag: string, issue: v.BaseIssue<unknown>): string {
  const path = (issue.path ?? [])
    .map((p) => (typeof p.key === "number" ? `[${p.key}]` : `.${String(p.key)}`))
    .join("")
    .replace(/^\./, "");
  const fieldIssue = issue.type === "strict_object" && issue.input === undefined;
  const unknownField = issue.type === "strict_object" && issue.expected === "never";
  const got = fieldIssue || unknownField ? "" : `, got ${quoteInput(issue.input)}`;
  return path === "" ? `${flag} ${issue.message}${got}` : `${flag}: ${path} ${issue.message}${got}`;
}
