// The stand-in's storage: objects per resource, one resourceVersion counter (like etcd's
// revision), and an event history that watches replay from; compaction drops the history
// so a watch from an older resourceVersion gets 410 Gone.
import { randomUUID } from "node:crypto";
import type { KubeObject, ResourceName, StoreEvent } from "./types.js";

export class StandInError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

const clone = <T>(v: T): T => structuredClone(v);
const key = (ns: string, name: string): string => `${ns}/${name}`;

export class ObjectStore {
  private rv = 1000;
  private compactedRv = 0;
  private readonly objects = new Map<ResourceName, Map<string, KubeObject>>([
    ["pods", new Map()],
    ["network-attachment-definitions", new Map()],
    ["events", new Map()],
  ]);
  private history: StoreEvent[] = [];
  private readonly listeners = new Set<(ev: StoreEvent) => void>();

  currentRv(): number {
    return this.rv;
  }

  /** Watches from a resourceVersion older than this get 410 Gone. */
  oldestRv(): number {
    return this.compactedRv;
  }

  onEvent(fn: (ev: StoreEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  get(resource: ResourceName, ns: string, name: string): KubeObject | undefined {
    const obj = this.objects.get(resource)!.get(key(ns, name));
    return obj && clone(obj);
  }

  list(resource: ResourceName, filter: (o: KubeObject) => boolean = () => true): KubeObject[] {
    return [...this.objects.get(resource)!.values()].filter(filter).map(clone);
  }

  create(resource: ResourceName, obj: KubeObject): KubeObject {
    const map = this.objects.get(resource)!;
    const k = key(obj.metadata.namespace, obj.metadata.name);
    if (map.has(k)) throw new StandInError(409, "AlreadyExists", `${resource} "${obj.metadata.name}" already exists`);
    const stored = clone(obj);
    stored.metadata.uid ||= randomUUID();
    stored.metadata.creationTimestamp ??= new Date().toISOString();
    stored.metadata.resourceVersion = String(++this.rv);
    map.set(k, stored);
    this.emit({ rv: this.rv, resource, type: "ADDED", object: clone(stored) });
    return clone(stored);
  }

  update(resource: ResourceName, ns: string, name: string, mutate: (obj: KubeObject) => void): KubeObject {
    const map = this.objects.get(resource)!;
    const old = map.get(key(ns, name));
    if (!old) throw notFound(resource, name);
    const next = clone(old);
    mutate(next);
    next.metadata.name = old.metadata.name;
    next.metadata.namespace = old.metadata.namespace;
    next.metadata.uid = old.metadata.uid;
    next.metadata.resourceVersion = String(++this.rv);
    map.set(key(ns, name), next);
    this.emit({ rv: this.rv, resource, type: "MODIFIED", object: clone(next), previous: clone(old) });
    return clone(next);
  }

  delete(resource: ResourceName, ns: string, name: string): KubeObject {
    const map = this.objects.get(resource)!;
    const old = map.get(key(ns, name));
    if (!old) throw notFound(resource, name);
    map.delete(key(ns, name));
    const last = clone(old);
    last.metadata.resourceVersion = String(++this.rv);
    this.emit({ rv: this.rv, resource, type: "DELETED", object: clone(last) });
    return last;
  }

  /** Events after `rv` for a resource; throws 410 when `rv` is older than the history kept. */
  eventsSince(resource: ResourceName, rv: number): StoreEvent[] {
    if (rv < this.compactedRv) {
      throw new StandInError(410, "Expired", `too old resource version: ${rv} (${this.compactedRv})`);
    }
    return this.history.filter((e) => e.resource === resource && e.rv > rv);
  }

  /** Forget the history, as etcd compaction does. */
  compact(): void {
    this.history = [];
    this.compactedRv = this.rv;
  }

  private emit(ev: StoreEvent): void {
    this.history.push(ev);
    for (const fn of this.listeners) fn(ev);
  }
}

export function notFound(resource: ResourceName, name: string): StandInError {
  return new StandInError(404, "NotFound", `${resource} "${name}" not found`);
}
