// The one backoff rule and the one bounded retry, for everything that waits on something failing:
// the API server, readiness polls, a plugin binary still being written, the shim waiting for the
// daemon. Imports nothing but node:*, so the sealed CNI runtime and the shim may use it too.
export { backoffDelay, createBackoff, type Backoff, type BackoffPolicy } from "./backoff.js";
export { withRetry, type RetryOptions } from "./with-retry.js";
