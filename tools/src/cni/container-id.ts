// cnitool's container id, so that `netattachctl cni` and cnitool agree on the same netns:
// "cnitool-" + hex of the first 10 bytes of sha512(absolute netns path).
import { createHash } from "node:crypto";

export function cnitoolContainerId(absNetnsPath: string): string {
  return "cnitool-" + createHash("sha512").update(absNetnsPath).digest("hex").slice(0, 20);
}
