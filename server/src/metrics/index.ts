// Prometheus metrics and the HTTP endpoint that serves them with the probes.
export { createMetrics, type Metrics, type MetricsSources } from "./create-metrics.js";
export { createHttpEndpoint, splitHostPort, type HttpEndpoint, type HttpEndpointOptions } from "./http-endpoint.js";
export type { InformerStats } from "./state-metrics.js";
