// The daemon's unix socket when nothing says otherwise: the daemon config's `socketPath`, the
// shim conf's `socketPath`, netattachctl's `--socket` and the install step all default to it.
export const DEFAULT_SOCKET_PATH = "/run/netattach/netattach.sock";
