// A proto enum value as a column shows it: its name without the enum's prefix, lower case,
// words joined by "-" (ATTACHMENT_PHASE_ORPHANED → orphaned, ..._SKIPPED_IN_FLIGHT → skipped-in-flight).
// -o json|yaml keep the full names (proto JSON).

export function enumLabel(name: string, prefix: string): string {
  return (name.startsWith(prefix) ? name.slice(prefix.length) : name).toLowerCase().replaceAll("_", "-");
}
