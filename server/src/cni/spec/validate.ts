// Identifier checks from libcni pkg/utils, run before any plugin is executed.

import { CniError, CniErrorCode } from "./errors.js";

const CNI_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
/** Linux IFNAMSIZ (16) minus the NUL terminator; counted in bytes like Go's len(). */
export const MAX_INTERFACE_NAME_LENGTH = 15;

function invalidArgs(code: number, msg: string, details?: string): CniError {
  return new CniError({ kind: "invalid-args", code, msg, ...(details !== undefined ? { details } : {}) });
}

export function validateContainerId(id: string): void {
  if (id === "") throw invalidArgs(CniErrorCode.UnknownContainer, "missing containerID");
  if (!CNI_NAME.test(id)) {
    throw invalidArgs(CniErrorCode.InvalidEnvironment, `invalid characters in containerID "${id}"`, "must match " + CNI_NAME.source);
  }
}

export function validateNetworkName(name: string, source?: string): void {
  const base = { kind: "invalid-config" as const, code: CniErrorCode.InvalidNetworkConfig, ...(source !== undefined ? { source } : {}) };
  const where = source !== undefined ? ` (in ${source})` : "";
  if (name === "") throw new CniError({ ...base, msg: `missing network name${where}` });
  if (!CNI_NAME.test(name)) {
    throw new CniError({ ...base, msg: `invalid characters in network name "${name}"${where}`, details: "must match " + CNI_NAME.source });
  }
}

export function validateInterfaceName(name: string): void {
  const code = CniErrorCode.InvalidEnvironment;
  if (name === "") throw invalidArgs(code, "interface name is empty");
  if (Buffer.byteLength(name, "utf8") > MAX_INTERFACE_NAME_LENGTH) {
    throw invalidArgs(code, `interface name "${name}" is too long`, `at most ${MAX_INTERFACE_NAME_LENGTH} bytes`);
  }
  if (name === "." || name === "..") throw invalidArgs(code, `interface name "${name}" is . or ..`);
  // NUL cannot travel in an environment variable; the rest is libcni's rule.
  if (/[/:\s\0]/u.test(name)) {
    throw invalidArgs(code, `interface name "${name}" contains / or : or whitespace characters`);
  }
}
