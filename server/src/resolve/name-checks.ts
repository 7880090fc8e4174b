// Syntax checks for Kubernetes names and Linux interface names. Pure.

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** RFC 1123 label as Kubernetes validates namespaces and (in Multus) network names. */
export function isDnsLabel(value: string): boolean {
  return value.length <= 63 && DNS1123_LABEL.test(value);
}

/** Linux IFNAMSIZ is 16 including the NUL byte. */
export const MAX_IFNAME_BYTES = 15;

/**
 * Why `name` cannot be a Linux interface name, or undefined if it can.
 * Mirrors the kernel's dev_valid_name(): non-empty, ≤15 bytes, not "." or "..", no '/', ':' or whitespace.
 */
export function interfaceNameProblem(name: string): string | undefined {
  if (name.length === 0) return "is empty";
  if (Buffer.byteLength(name, "utf8") > MAX_IFNAME_BYTES) return `is longer than ${MAX_IFNAME_BYTES} bytes`;
  if (name === "." || name === "..") return "is not allowed";
  if (/[/:\s]/u.test(name)) return "contains '/', ':' or whitespace";
  return undefined;
}
