/**
 * A file a start-up sweep could not remove (a temp file of an unfinished write, an unreadable cache
 * record), or the directory it could not list, with the error (errno kept: EROFS on a read-only
 * disk). Every sweep — the stores', the pre-0.2 migration's, the CNI result cache's — reports these,
 * so start-up cleanup warns about each the same way.
 */
export interface SweepFailure {
  readonly path: string;
  readonly error: Error;
}
