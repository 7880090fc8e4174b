// A stand-in for the Kubernetes API server (test support, not a cluster): HTTPS, bearer
// token, pods, network-attachment-definitions and events.k8s.io/v1 Events (create and patch,
// validated as kube-apiserver does) over the real REST + watch protocol,
// plus levers for tests: change objects, end or expire watches, go down and up, inject
// failures, and count every request.
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { type Fault, handleRequest, type HandlerState } from "./handle-request.js";
import { writeKubeconfig } from "./kubeconfig.js";
import { ObjectStore } from "./object-store.js";
import { makeNad, makePod, type NadParams, type PodParams } from "./objects.js";
import { STAND_IN_HOST, standInCert, standInClientCa } from "./tls.js";
import type { KubeObject, RequestRecord, ResourceName, Verb } from "./types.js";
import type { WatchStream } from "./watch-stream.js";

export interface KubeStandInOptions {
  /** Send a BOOKMARK on every open watch this often (only to clients that allow them). */
  readonly bookmarkIntervalMs?: number;
  /** Serve no network-attachment-definitions (as if the CRD were not installed). */
  readonly withoutNadCrd?: boolean;
}

export interface RequestFilter {
  readonly verb?: Verb | readonly Verb[];
  readonly resource?: ResourceName;
  readonly subresource?: string;
}

export interface KubeStandIn {
  readonly url: string;
  /** The bearer token accepted now. */
  readonly token: string;
  /** Accept a new token from now on, and refuse the old one (401), as once a rotated token's predecessor expired. */
  rotateToken(): string;
  readonly store: ObjectStore;
  /**
   * Writes a kubeconfig for this stand-in into `dir`; `token` overrides the valid one, and
   * `clientCertificate` (files of a standInClientCert()) authenticates instead of a token.
   */
  writeKubeconfig(
    dir: string,
    opts?: {
      token?: string;
      fileName?: string;
      clientCertificate?: { certFile: string; keyFile: string };
      tokenFile?: string;
    },
  ): Promise<string>;
  /**
   * The users (certificate CNs) whose client certificates are accepted from now on, as a real
   * API server accepts those of its CA that have not expired; none at start. Others get 401.
   */
  acceptClientCertificates(...cns: string[]): void;

  createPod(p: PodParams): KubeObject;
  updatePod(namespace: string, name: string, mutate: (pod: KubeObject) => void): KubeObject;
  setPodAnnotations(namespace: string, name: string, annotations: Record<string, string>): KubeObject;
  deletePod(namespace: string, name: string): KubeObject;
  getPod(namespace: string, name: string): KubeObject | undefined;
  createNad(p: NadParams): KubeObject;
  updateNad(namespace: string, name: string, config: string | object | undefined): KubeObject;
  deleteNad(namespace: string, name: string): KubeObject;
  /** events.k8s.io/v1 Events stored now, optionally of one namespace. */
  events(namespace?: string): KubeObject[];

  /** Open watch streams right now. */
  openWatches(resource?: ResourceName): number;
  /** Close every open watch cleanly (clients resume from their last resourceVersion). */
  endWatches(): void;
  /** Stop delivering events on the watches open now (a stalled connection). */
  stallWatches(): void;
  /** Forget the event history: resuming from an older resourceVersion gets 410 Gone. */
  compact(): void;
  /** Compact, then send ERROR 410 on every open watch and close it (clients must relist). */
  expireWatches(): void;
  sendBookmarks(): void;

  /** Close the listener and drop every connection; `up()` listens on the same port again. */
  down(): Promise<void>;
  up(): Promise<void>;
  readonly isUp: boolean;
  /**
   * Stay up but answer every request with 503 ServiceUnavailable (or 429 TooManyRequests) and
   * drop the open watches, until `recover()`: unlike `down()`, every request is still counted.
   */
  outage(status?: 429 | 503): void;
  recover(): void;

  /** Answer the next `count` matching requests with `status` ("hang": never answer; "stall": 200, then silence). */
  failNext(filter: RequestFilter, status: number | "hang" | "stall", count?: number): void;
  clearFaults(): void;

  readonly requests: readonly RequestRecord[];
  count(filter?: RequestFilter): number;
  resetRequests(): void;
  close(): Promise<void>;
}

function matches(r: RequestRecord, f: RequestFilter): boolean {
  const verbs = f.verb === undefined ? undefined : typeof f.verb === "string" ? [f.verb] : f.verb;
  return (
    (!verbs || verbs.includes(r.verb)) &&
    (!f.resource || f.resource === r.resource) &&
    (f.subresource === undefined || f.subresource === (r.subresource ?? ""))
  );
}

export async function startKubeStandIn(opts: KubeStandInOptions = {}): Promise<KubeStandIn> {
  const tls = standInCert();
  const token = randomBytes(16).toString("hex"); // the first one
  const store = new ObjectStore();
  const watches = new Set<WatchStream>();
  const faults: Fault[] = [];
  const requests: RequestRecord[] = [];
  const state: HandlerState = {
    store,
    token,
    watches,
    faults,
    requests,
    clientCns: new Set(),
    snapshots: new Map(),
    served: new Set<ResourceName>(
      opts.withoutNadCrd ? ["pods", "events"] : ["pods", "network-attachment-definitions", "events"],
    ),
  };
  const sockets = new Set<Socket>();
  // Client certificates are asked for but not required: token clients send none.
  const tlsOptions = {
    cert: tls.cert,
    key: tls.key,
    ca: standInClientCa().cert,
    requestCert: true,
    rejectUnauthorized: false,
  };
  const server: Server = createServer(tlsOptions, (req, res) => {
    handleRequest(state, req, res).catch((err: unknown) => {
      res.destroy(err instanceof Error ? err : new Error(String(err)));
    });
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  store.onEvent((ev) => {
    for (const w of watches) if (w.resourceOf === ev.resource) w.deliver(ev);
  });

  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, STAND_IN_HOST, () => {
        server.off("error", reject);
        resolve();
      });
    });
  await listen(0);
  const port = (server.address() as AddressInfo).port;
  let isUp = true;
  const bookmarkTimer = opts.bookmarkIntervalMs
    ? setInterval(() => standIn.sendBookmarks(), opts.bookmarkIntervalMs)
    : undefined;
  bookmarkTimer?.unref();

  const goDown = async () => {
    if (!isUp) return;
    isUp = false;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const w of watches) w.end();
    for (const s of sockets) s.destroy();
    await closed;
  };

  const standIn: KubeStandIn = {
    url: `https://${STAND_IN_HOST}:${port}`,
    get token() {
      return state.token;
    },
    rotateToken: () => (state.token = randomBytes(16).toString("hex")),
    store,
    writeKubeconfig: (dir, o = {}) =>
      writeKubeconfig(
        dir,
        {
          server: `https://${STAND_IN_HOST}:${port}`,
          caPem: tls.cert,
          token: o.token ?? state.token,
          ...(o.clientCertificate ? { clientCertificate: o.clientCertificate } : {}),
          ...(o.tokenFile !== undefined ? { tokenFile: o.tokenFile } : {}),
        },
        o.fileName,
      ),
    acceptClientCertificates: (...cns) => {
      state.clientCns.clear();
      for (const cn of cns) state.clientCns.add(cn);
    },

    createPod: (p) => store.create("pods", makePod(p)),
    updatePod: (ns, name, mutate) => store.update("pods", ns, name, mutate),
    setPodAnnotations: (ns, name, annotations) =>
      store.update("pods", ns, name, (pod) => {
        pod.metadata.annotations = { ...annotations };
      }),
    deletePod: (ns, name) => store.delete("pods", ns, name),
    getPod: (ns, name) => store.get("pods", ns, name),
    createNad: (p) => store.create("network-attachment-definitions", makeNad(p)),
    updateNad: (ns, name, config) =>
      store.update("network-attachment-definitions", ns, name, (nad) => {
        nad.spec = config === undefined ? {} : { config: typeof config === "string" ? config : JSON.stringify(config) };
      }),
    deleteNad: (ns, name) => store.delete("network-attachment-definitions", ns, name),
    events: (namespace) => store.list("events", (e) => namespace === undefined || e.metadata.namespace === namespace),

    openWatches: (resource) => [...watches].filter((w) => !resource || w.resourceOf === resource).length,
    endWatches: () => {
      for (const w of [...watches]) w.end();
    },
    stallWatches: () => {
      for (const w of watches) w.stalled = true;
    },
    compact: () => store.compact(),
    expireWatches: () => {
      store.compact();
      for (const w of [...watches]) w.expire(`too old resource version (${store.oldestRv()})`);
    },
    sendBookmarks: () => {
      for (const w of watches) w.bookmark(store.currentRv());
    },

    down: goDown,
    up: async () => {
      if (isUp) return;
      await listen(port);
      isUp = true;
    },
    get isUp() {
      return isUp;
    },
    outage: (status = 503) => {
      state.outage = status;
      for (const w of [...watches]) w.abort();
    },
    recover: () => {
      delete state.outage;
    },

    failNext: (filter, status, count = 1) => {
      const verbs =
        filter.verb === undefined ? [undefined] : typeof filter.verb === "string" ? [filter.verb] : filter.verb;
      for (const verb of verbs)
        faults.push({ verb, resource: filter.resource, subresource: filter.subresource, status, remaining: count });
    },
    clearFaults: () => {
      faults.length = 0;
    },

    requests,
    count: (filter = {}) => requests.filter((r) => matches(r, filter)).length,
    resetRequests: () => {
      requests.length = 0;
    },
    close: async () => {
      if (bookmarkTimer) clearInterval(bookmarkTimer);
      await goDown();
    },
  };
  return standIn;
}
