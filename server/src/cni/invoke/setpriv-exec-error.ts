// When setpriv cannot exec the plugin it says so on stderr ("setpriv: failed to execute <path>:
// <strerror>") and exits 126, or 127 for ENOENT (util-linux errexec). The plugin env has no
// locale, so the text is the C locale's. Turned back into the errno a direct spawn raises, the
// two paths fail alike: the same CniError, and "text file busy" is retried the same way.

const PREFIX = "setpriv: failed to execute ";

/** strerror(3) texts in the C locale → errno names. */
const ERRNO_BY_TEXT: Readonly<Record<string, string>> = {
  "No such file or directory": "ENOENT",
  "Permission denied": "EACCES",
  "Text file busy": "ETXTBSY",
  "Exec format error": "ENOEXEC",
  "Not a directory": "ENOTDIR",
};

/** The spawn-like error for a run where setpriv itself failed to exec the plugin; undefined otherwise. */
export function setprivExecError(
  exitCode: number | null,
  stdoutBytes: number,
  stderr: string,
): NodeJS.ErrnoException | undefined {
  if ((exitCode !== 126 && exitCode !== 127) || stdoutBytes > 0 || !stderr.startsWith(PREFIX)) return undefined;
  const line = stderr.trim();
  const text = line.slice(line.lastIndexOf(": ") + 2);
  const err: NodeJS.ErrnoException = new Error(line);
  err.code = ERRNO_BY_TEXT[text] ?? (exitCode === 127 ? "ENOENT" : "EEXEC");
  return err;
}
