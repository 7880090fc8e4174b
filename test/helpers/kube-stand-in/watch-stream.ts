// One open watch: a chunked HTTP response carrying one JSON event per line, filtered by
// namespace and selectors. A filtered watch turns changes that enter or leave the
// selection into ADDED/DELETED, as the API server does.
import type { ServerResponse } from "node:http";
import type { EventType, KubeObject, ResourceName, StoreEvent } from "./types.js";

export interface WatchFilter {
  readonly namespace?: string;
  readonly matches: (o: KubeObject) => boolean;
}

export class WatchStream {
  /** A stalled stream silently drops events (a connection that stopped delivering). */
  stalled = false;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly res: ServerResponse,
    private readonly filter: WatchFilter,
    private readonly meta: {
      resource: ResourceName;
      apiVersion: string;
      kind: string;
      bookmarks: boolean;
      timeoutSeconds?: number;
    },
    private readonly onClose: () => void,
  ) {
    res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
    res.flushHeaders();
    res.on("close", () => this.finish());
    if (meta.timeoutSeconds && meta.timeoutSeconds > 0) {
      this.timer = setTimeout(() => this.end(), meta.timeoutSeconds * 1000);
      this.timer.unref();
    }
  }

  get resourceOf(): ResourceName {
    return this.meta.resource;
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  deliver(ev: StoreEvent): void {
    if (this.closed || this.stalled) return;
    const nsOk = (o: KubeObject) => !this.filter.namespace || o.metadata.namespace === this.filter.namespace;
    const now = nsOk(ev.object) && this.filter.matches(ev.object);
    const before = ev.previous !== undefined && nsOk(ev.previous) && this.filter.matches(ev.previous);
    let type: EventType | undefined;
    if (ev.type === "ADDED") type = now ? "ADDED" : undefined;
    else if (ev.type === "DELETED") type = now ? "DELETED" : undefined;
    else if (now) type = before ? "MODIFIED" : "ADDED";
    else if (before) type = "DELETED";
    if (type) this.write({ type, object: ev.object });
  }

  /** BOOKMARK carries only the resourceVersion; sent only to clients that allowed them. */
  bookmark(rv: number): void {
    if (this.closed || this.stalled || !this.meta.bookmarks) return;
    this.write({
      type: "BOOKMARK",
      object: { apiVersion: this.meta.apiVersion, kind: this.meta.kind, metadata: { resourceVersion: String(rv) } },
    });
  }

  /** The API server's answer to a too-old resourceVersion: an ERROR event, then the end. */
  expire(message: string): void {
    if (this.closed) return;
    this.write({
      type: "ERROR",
      object: {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message,
        reason: "Expired",
        code: 410,
      },
    });
    this.end();
  }

  end(): void {
    if (this.closed) return;
    this.res.end();
    this.finish();
  }

  /** Drops the connection mid-stream (the client sees an error, not a clean end). */
  abort(): void {
    if (this.closed) return;
    this.res.destroy();
    this.finish();
  }

  private write(line: object): void {
    this.res.write(JSON.stringify(line) + "\n");
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.onClose();
  }
}
