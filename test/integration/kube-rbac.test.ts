// deploy/rbac.yaml grants exactly what netattachd uses: the verbs are derived from the stand-in's
// request log over a full run of the composed daemon — informers syncing, an ADD served from the
// caches, an ADD for a pod and a definition the informers have not seen (live GETs), the status
// PATCHes, the Kubernetes Events (created, and patched when a failure repeats), DELs — and
// compared with the ClusterRole, both ways. Every request names netattachd.
import { readFile } from "node:fs/promises";
import { ErrorInfo, RichClientError } from "nice-grpc-error-details";
import { afterAll, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { FIELD_MANAGER, userAgent } from "../../server/src/kube/client-identity.js";
import { DAEMON_NODE, type KubeDaemonFixture, startKubeDaemon } from "../helpers/kube-stand-in/daemon-fixture.js";
import type { RequestRecord } from "../helpers/kube-stand-in/index.js";

const RBAC = new URL("../../deploy/rbac.yaml", import.meta.url);
const NETWORKS = "k8s.v1.cni.cncf.io/networks";
let fx: KubeDaemonFixture | undefined;
afterAll(async () => {
  await fx?.close();
});

/** "apiGroup resource[/subresource] verb", as an RBAC rule names a request. */
function permission(r: RequestRecord): string {
  const group = r.path.startsWith("/api/") ? "" : r.path.split("/")[2];
  return `${group}|${r.resource}${r.subresource ? `/${r.subresource}` : ""}|${r.verb}`;
}

async function granted(): Promise<Set<string>> {
  const docs = parseAllDocuments(await readFile(RBAC, "utf8")).map(
    (d) => d.toJS() as { kind: string; rules?: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }> },
  );
  const role = docs.find((d) => d.kind === "ClusterRole")!;
  return new Set(
    role.rules!.flatMap((rule) =>
      rule.apiGroups.flatMap((g) => rule.resources.flatMap((res) => rule.verbs.map((v) => `${g}|${res}|${v}`))),
    ),
  );
}

it("deploy/rbac.yaml grants exactly the verbs a full run uses, and every request names netattachd", async () => {
  fx = await startKubeDaemon({
    statusFailurePolicy: "fail",
    seed: (s, noopNet) => {
      s.createNad({ namespace: "ns1", name: "blue", config: noopNet("blue") });
      s.createPod({
        namespace: "ns1",
        name: "cached",
        nodeName: DAEMON_NODE,
        uid: "uid-cached",
        annotations: { [NETWORKS]: "blue" },
      });
      s.createNad({
        namespace: "ns1",
        name: "red",
        config: {
          cniVersion: "1.0.0",
          name: "red",
          plugins: [{ type: "noop", noop: { ADD: { error: { code: 7, msg: "no" } } } }],
        },
      });
      s.createPod({
        namespace: "ns1",
        name: "broken",
        nodeName: DAEMON_NODE,
        uid: "uid-broken",
        annotations: { [NETWORKS]: "red" },
      });
    },
  });
  const f = fx;
  await f.waitHealth(1);
  await f.attach("c-cached", { namespace: "ns1", name: "cached", uid: "uid-cached" });
  // Created just before their sandbox, unseen by the informers: live GETs find them.
  f.standIn.stallWatches();
  f.standIn.createNad({ namespace: "ns1", name: "late", config: noopNet("late") });
  const fresh = f.standIn.createPod({
    namespace: "ns1",
    name: "fresh",
    nodeName: DAEMON_NODE,
    annotations: { [NETWORKS]: "late" },
  });
  const res = await f.attach("c-fresh", { namespace: "ns1", name: "fresh", uid: fresh.metadata.uid });
  expect(res.interfaces.map((i) => i.network)).toEqual(["cluster", "ns1/late"]);
  // A failure twice on one pod: its Event is created, then patched with a count.
  for (const id of ["c-broken-1", "c-broken-2"]) {
    const err = await f.attach(id, { namespace: "ns1", name: "broken", uid: "uid-broken" }).catch((e: unknown) => e);
    expect(
      err instanceof RichClientError &&
        err.extra.some((d) => d.$type === ErrorInfo.$type && d.reason === "PLUGIN_FAILED"),
    ).toBe(true);
  }
  for (let i = 0; i < 500 && f.standIn.count({ resource: "events", verb: ["create", "patch"] }) < 4; i++)
    await new Promise((r) => setTimeout(r, 20));
  await f.detach("c-cached");
  await f.detach("c-fresh");

  const used = new Set(f.standIn.requests.map(permission));
  expect([...used].sort()).toEqual([...(await granted())].sort());
  expect(used).toEqual(
    new Set([
      "|pods|list",
      "|pods|watch",
      "|pods|get",
      "|pods/status|patch",
      "events.k8s.io|events|create",
      "events.k8s.io|events|patch",
      "k8s.cni.cncf.io|network-attachment-definitions|list",
      "k8s.cni.cncf.io|network-attachment-definitions|watch",
      "k8s.cni.cncf.io|network-attachment-definitions|get",
    ]),
  );

  expect(new Set(f.standIn.requests.map((r) => r.userAgent))).toEqual(new Set([userAgent()]));
  const writes = f.standIn.requests.filter((r) => r.verb === "patch" || r.verb === "create");
  expect(writes.map((r) => r.query.fieldManager)).toEqual(writes.map(() => FIELD_MANAGER));
  expect(writes.map((r) => `${r.verb} ${r.resource}`).sort()).toEqual([
    "create events",
    "create events",
    "create events",
    "patch events",
    "patch pods",
    "patch pods",
  ]);
});

function noopNet(name: string): object {
  return { cniVersion: "1.0.0", name, plugins: [{ type: "noop" }] };
}
