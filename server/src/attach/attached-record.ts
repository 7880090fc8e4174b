// The saved attachment a hot-plug works on: it must exist and be attached (not half-way through
// the runtime's ADD or DEL). Its netns must still be the namespace it was made in: pinSavedNetns.
import { DaemonError } from "../errors/daemon-error.js";
import {
  isUnreadable,
  unreadableRecordError,
  type AttachmentRecord,
  type AttachmentStore,
} from "./attachment-store.js";

export async function loadAttached(
  store: AttachmentStore,
  containerId: string,
  phase: string,
): Promise<AttachmentRecord> {
  const read = await store.load(containerId);
  if (isUnreadable(read)) throw unreadableRecordError(read, containerId, "remove it after cleaning up by hand");
  if (read.state === "missing") {
    throw new DaemonError(
      "ATTACHMENT_NOT_FOUND",
      `container ${containerId} has no attachment: a hot-plug needs a sandbox the runtime's ADD attached`,
      { phase, source: "containerId" },
    );
  }
  if (read.record.phase !== "attached") {
    throw new DaemonError(
      "ATTACHMENT_NOT_FOUND",
      `container ${containerId} is ${read.record.phase}, not attached: a hot-plug needs a sandbox the runtime's ADD attached`,
      { phase, source: "containerId" },
    );
  }
  return read.record;
}
