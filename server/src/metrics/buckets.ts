// Histogram buckets, in seconds. Calls and plugin runs: 5 ms (a noop plugin) to 2 min (the
// default call deadline). Waits for a lock or a call slot: 0.5 ms (uncontended) to 30 s.

export const CALL_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
export const WAIT_BUCKETS = [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30];
