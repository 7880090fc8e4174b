// Builds the errors of selection parsing: each names the annotation (or request field),
// the element and the bad value, so the user can find the culprit without reading code.
import { DaemonError } from "../errors/daemon-error.js";
import type { ErrorCode } from "../errors/error-codes.js";
import { quoteInput } from "../errors/bounded-text.js";

/** Where a selection element came from. */
export interface ElementPlace {
  /** Annotation name, or e.g. "request selections". */
  readonly source: string;
  /** 1-based position in the list. */
  readonly index: number;
  /** The element's name, or its raw text when no name could be read. */
  readonly label?: string;
  /** `namespace/name` once known, for the error context. */
  readonly network?: string;
}

export function describePlace(place: ElementPlace): string {
  const label = place.label === undefined ? "" : ` (${quoteInput(place.label)})`;
  return `${place.source}: element ${place.index}${label}`;
}

export function elementError(
  place: ElementPlace,
  problem: string,
  code: ErrorCode = "INVALID_ANNOTATION",
  extra: { ifName?: string; cause?: unknown } = {},
): DaemonError {
  return new DaemonError(
    code,
    `${describePlace(place)}: ${problem}`,
    {
      ...(place.network === undefined ? {} : { network: place.network }),
      source: place.source,
      phase: "resolve",
      ...(extra.ifName === undefined ? {} : { ifName: extra.ifName }),
    },
    extra.cause === undefined ? undefined : { cause: extra.cause },
  );
}

export function valueError(source: string, problem: string, cause?: unknown): DaemonError {
  return new DaemonError(
    "INVALID_ANNOTATION",
    `${source}: ${problem}`,
    { source, phase: "resolve" },
    cause === undefined ? undefined : { cause },
  );
}
