// Files replaced atomically, the one way the daemon writes state (the attachment stores and the
// CNI runtime's result cache), and netattachctl install the shim and its conflist: a temp file
// beside the target is written, fsynced, renamed over it, and the directory fsynced, so readers see the old or the new content, never a part, and a
// power loss keeps the new name. Start-up sweeps of what such writes left report
// what they could not remove as SweepFailure. Imports nothing but node:*, so the sealed CNI runtime uses it too.
export {
  startAtomicWrite,
  writeFileAtomic,
  syncDir,
  isTempFile,
  isTempFileOf,
  type AtomicWrite,
  type CommitOptions,
} from "./atomic-write.js";
export type { SweepFailure } from "./sweep-failure.js";
