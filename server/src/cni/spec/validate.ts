// Identifier rules (libcni pkg/utils), each defined once: the runtime, the daemon's planning, the
// annotation parser, the shim and netattachctl all ask these, before any plugin is executed.

import { CniError, CniErrorCode } from "./errors.js";
import { hasLoneSurrogate } from "./well-formed.js";

const CNI_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
/** Linux IFNAMSIZ (16) minus the NUL terminator; counted in UTF-8 bytes like Go's len(). */
export const MAX_INTERFACE_NAME_LENGTH = 15;
/** Longest container id any caller may use: a file name under the state dir must stay below NAME_MAX. */
export const MAX_CONTAINER_ID_LENGTH = 240;

/** Quoted for a message, cut so a huge input cannot flood it (the CNI runtime's own; it imports nothing outside itself). */
export function shown(value: string): string {
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * Why `name` cannot be a Linux interface name, or undefined if it can: the kernel's dev_valid_name()
 * (non-empty, at most 15 bytes, not "." or "..", no '/', ':' or whitespace), plus what cannot travel
 * safely: NUL and other control characters, U+FFFD (what invalid UTF-8 decodes to), lone
 * surrogates (what a JSON "\ud800" escape decodes to; it has no UTF-8 form) and '%' (the kernel
 * takes "a%d" as a template and creates "a0", so a later DEL of "a%d" would miss the link).
 */
export function interfaceNameProblem(name: string): string | undefined {
  if (name === "") return "is empty";
  if (name.includes("\uFFFD") || hasLoneSurrogate(name)) return "is not valid UTF-8";
  if (Buffer.byteLength(name, "utf8") > MAX_INTERFACE_NAME_LENGTH)
    return `is longer than ${MAX_INTERFACE_NAME_LENGTH} bytes`;
  if (name === "." || name === "..") return "is . or ..";
  if (/[/:\s]/u.test(name)) return "contains / or : or whitespace";
  if (name.includes("%"))
    return "contains '%', which the kernel takes as a name template (a%d would become a0, a link nothing deletes)";
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f]/u.test(name)) return "contains a control character";
  return undefined;
}

/** Why `id` cannot be a container id (libcni's characters, a bounded length), or undefined if it can. */
export function containerIdProblem(id: string, maxLength = MAX_CONTAINER_ID_LENGTH): string | undefined {
  if (id === "") return "is empty";
  if (id.length > maxLength) return `is ${id.length} characters long, longer than ${maxLength}`;
  if (!CNI_NAME.test(id)) return `must match ${CNI_NAME.source}`;
  return undefined;
}

function invalidArgs(code: number, msg: string, details?: string): CniError {
  return new CniError({ kind: "invalid-args", code, msg, ...(details !== undefined ? { details } : {}) });
}

export function validateContainerId(id: string): void {
  if (id === "") throw invalidArgs(CniErrorCode.UnknownContainer, "missing containerID");
  const problem = containerIdProblem(id);
  if (problem !== undefined)
    throw invalidArgs(CniErrorCode.InvalidEnvironment, `invalid containerID ${shown(id)}`, problem);
}

export function validateNetworkName(name: string, source?: string): void {
  const base = {
    kind: "invalid-config" as const,
    code: CniErrorCode.InvalidNetworkConfig,
    ...(source !== undefined ? { source } : {}),
  };
  const where = source !== undefined ? ` (in ${source})` : "";
  if (name === "") throw new CniError({ ...base, msg: `missing network name${where}` });
  if (!CNI_NAME.test(name)) {
    throw new CniError({
      ...base,
      msg: `invalid characters in network name ${shown(name)}${where}`,
      details: "must match " + CNI_NAME.source,
    });
  }
}

export function validateInterfaceName(name: string): void {
  const problem = interfaceNameProblem(name);
  if (problem !== undefined)
    throw invalidArgs(CniErrorCode.InvalidEnvironment, `interface name ${shown(name)} ${problem}`);
}
