// What the daemon and its clients (the shim, netattachctl, other runtimes) agree on beyond the
// proto messages: where the socket is by default, and how a failure names its reason. Defined
// once here; the shim bundles it, so it imports nothing but generated code.
export { DEFAULT_SOCKET_PATH } from "./socket-path.js";
export { ERROR_DOMAIN, reasonName, type ReasonName } from "./error-reason.js";
