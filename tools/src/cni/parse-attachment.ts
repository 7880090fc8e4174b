// "--valid CONTAINER_ID:IFNAME" for `cni gc`: an attachment that must survive.
import type { Attachment } from "../../../server/src/cni/index.js";

export function parseAttachment(text: string): Attachment | Error {
  const colon = text.lastIndexOf(":");
  if (colon <= 0 || colon === text.length - 1) return new Error(`invalid attachment "${text}" (want CONTAINER_ID:IFNAME)`);
  return { containerId: text.slice(0, colon), ifName: text.slice(colon + 1) };
}
