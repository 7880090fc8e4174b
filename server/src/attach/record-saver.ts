// Saves one container's record as it grows during an ADD, one write at a time. Delegates that
// finish together must not race: two atomic writes in flight may rename in either order, and the
// older record would win. Saves asked while a write is in flight share the next write, which
// carries the newest record (every record contains the results of the ones before it).
import type { AttachmentRecord, AttachmentStore } from "./attachment-store.js";

export interface RecordSaver {
  /** Resolves once a write holding `record`, or a newer one, has landed. */
  save(record: AttachmentRecord): Promise<void>;
  /** Resolves when no write is in flight or queued (never rejects). */
  idle(): Promise<void>;
}

export function createRecordSaver(store: AttachmentStore): RecordSaver {
  let newest: AttachmentRecord | undefined;
  /** The write that will carry `newest`, not yet started. */
  let queued: Promise<void> | undefined;
  let tail: Promise<void> = Promise.resolve();
  return {
    save(record) {
      newest = record;
      if (queued === undefined) {
        const next = tail.then(() => {
          const r = newest!;
          newest = undefined;
          queued = undefined;
          return store.save(r);
        });
        queued = next;
        tail = next.catch(() => undefined);
      }
      return queued;
    },
    idle: () => tail,
  };
}
