// Benchmark of the Kubernetes edge (prints numbers; not a test):
//   node --expose-gc --import tsx test/bench/kube-api.ts [--pods 20] [--networks 2]
// 1. API requests per ADD / DEL in steady state through the real daemon and real plugins
//    (root), beside Multus' figures (code reading, multus.md §2.20).
// 2. Daemon RSS with 1000 pods on the node (+1000 elsewhere, filtered out by the API) and
//    200 definitions in the informers.
import { parseArgs } from "node:util";
import { benchInformerMemory } from "./kube-api-memory.js";
import { benchRequestsPerAdd } from "./kube-api-requests.js";

const { values } = parseArgs({
  options: {
    pods: { type: "string", default: "20" },
    networks: { type: "string", default: "2" },
    "skip-requests": { type: "boolean", default: false },
  },
});
const pods = Number(values.pods);
const networks = Number(values.networks);
const fmt = (n: number, d = 1) => n.toFixed(d);

if (values["skip-requests"]) {
  console.log("requests per ADD: skipped (--skip-requests)");
} else if (process.getuid?.() !== 0) {
  console.log("requests per ADD: skipped (needs root: real plugins in a real netns)");
} else {
  const r = await benchRequestsPerAdd(pods, networks);
  console.log(
    `\n== API requests per call, steady state (${r.pods} pods, each cluster network + ${r.networks} NetworkAttachmentDefinitions) ==`,
  );
  console.log(
    `${"".padEnd(28)}${"reads/ADD".padStart(10)}${"writes/ADD".padStart(12)}${"total/ADD".padStart(11)}${"req/DEL".padStart(9)}`,
  );
  console.log(
    `${"netattach (measured)".padEnd(28)}${fmt(r.addReads).padStart(10)}${fmt(r.addWrites).padStart(12)}${fmt(r.addReads + r.addWrites).padStart(11)}${fmt(r.delRequests).padStart(9)}`,
  );
  console.log(
    `${"Multus thick (code reading)".padEnd(28)}${"1".padStart(10)}${"1".padStart(12)}${"≈2".padStart(11)}${"0".padStart(9)}`,
  );
  console.log(
    `${"Multus thin (code reading)".padEnd(28)}${`≈${3 + r.networks}`.padStart(10)}${"1".padStart(12)}${`≈${4 + r.networks}`.padStart(11)}${"≥1".padStart(9)}`,
  );
  console.log(
    `(Multus thin: GET pod + N GET NAD + GET pod ×2 + PUT status = 4+N; events not counted. Mean ADD ${fmt(r.addMsMean, 0)} ms with real plugins.)`,
  );
}

const m = await benchInformerMemory(1000, 1000, 200);
console.log(
  `\n== Daemon memory: ${m.podsOnNode} pods on this node (+${m.podsElsewhere} on other nodes), ${m.definitions} definitions ==`,
);
console.log(
  `pods on this node as served by the API: ${fmt(m.podListBytes / 1024 / 1024, 2)} MB of JSON (trimmed to metadata in the cache)`,
);
console.log(`child netattachd RSS, kubernetes.mode none:         ${fmt(m.rssNoKubeMb)} MB`);
console.log(`child netattachd RSS, informers synced, empty:      ${fmt(m.rssEmptyMb)} MB`);
console.log(
  `child netattachd RSS, informers synced, loaded:     ${fmt(m.rssLoadedMb)} MB  (+${fmt(m.rssLoadedMb - m.rssEmptyMb)} MB for the objects)`,
);
console.log(
  m.heapDeltaMb === undefined
    ? "edge heap growth: run with --expose-gc to measure"
    : `edge heap growth after sync (in-process, after gc): ${fmt(m.heapDeltaMb, 2)} MB`,
);
