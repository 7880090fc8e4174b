// CHECK every saved delegate in attach order, with the netns and args it was added with.
import type { CniRuntime } from "../cni/index.js";
import { DaemonError } from "../errors/daemon-error.js";
import { isUnreadable, unreadableRecordError, type AttachmentStore } from "./attachment-store.js";
import { delegateList, delegateRuntimeConf } from "./delegate-invocation.js";
import { toDaemonError } from "./cni-error.js";
import { describeOrigin } from "./origin.js";
import type { NetnsGuard } from "../netns/netns-guard.js";
import { checkAskedNetns, holding, pinSavedNetns } from "./netns-rules.js";
import { quoteInput } from "../errors/bounded-text.js";
import type { CheckRequest } from "./contract.js";

export async function check(
  deps: { runtime: CniRuntime; store: AttachmentStore; netns: NetnsGuard },
  req: CheckRequest,
  signal: AbortSignal,
): Promise<void> {
  const { containerId } = req;
  const read = await deps.store.load(containerId);
  if (isUnreadable(read)) throw unreadableRecordError(read, containerId, "it cannot be checked");
  if (read.state === "missing") {
    throw new DaemonError("ATTACHMENT_NOT_FOUND", `no attachment is saved for container ${containerId}`, {
      phase: "check",
    });
  }
  const { plan, phase } = read.record;
  if (phase !== "attached") {
    // CNI: never CHECK what was not fully added (or is half deleted).
    throw new DaemonError(
      "ATTACHMENT_NOT_FOUND",
      `the attachment of container ${containerId} is not complete (${phase})`,
      { phase: "check" },
    );
  }
  // The runtime's CHECK names what its ADD did: the same namespace and interface, or it is not this attachment.
  checkAskedNetns(deps.netns, read.record, req.netns, "CHECK");
  if (req.primaryIfName !== undefined && req.primaryIfName !== "" && req.primaryIfName !== plan.primaryIfName) {
    throw new DaemonError(
      "ATTACHMENT_NOT_FOUND",
      `container ${containerId} has no attachment on interface ${quoteInput(req.primaryIfName)} (its primary is ${plan.primaryIfName})`,
      { phase: "check", ifName: req.primaryIfName },
    );
  }
  // CHECK runs in the saved netns only while it still is the namespace the ADD configured.
  const pinned = pinSavedNetns(deps.netns, read.record, "check");
  await holding(pinned, async () => {
    for (const delegate of plan.delegates) {
      const list = delegateList(delegate, "check");
      const rt = delegateRuntimeConf(plan.containerId, plan.netns, delegate, pinned.handle);
      try {
        await deps.runtime.checkNetworkList(list, rt, { signal });
      } catch (err) {
        throw toDaemonError(
          err,
          {
            network: delegate.network,
            ifName: delegate.ifName,
            phase: "check",
            source: describeOrigin(delegate.origin),
          },
          signal,
        );
      }
    }
  });
}
