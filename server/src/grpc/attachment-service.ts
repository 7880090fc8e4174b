// gRPC adapter: decode → domain call → encode. No logic of its own.
import type { Logger } from "pino";
import type { CallContext } from "nice-grpc-common";
import type {
  AttachmentServiceDefinition,
  AttachmentServiceImplementation,
} from "../../../proto/gen/netattach/v1/attachment_service.js";
import { withDeadline, type AttachmentService, type CallContext as DomainContext } from "../attach/index.js";
import { callerDeadline } from "./caller-deadline.js";
import {
  attachRequestFromProto,
  attachResultToProto,
  attachmentToProto,
  unreadableToProto,
  detachRequestFromProto,
  detachResultToProto,
  gcResultToProto,
  planToProto,
  resolveRequestFromProto,
  statusToProto,
  type MappingLimits,
} from "./mapping.js";
import {
  attachNetworkRequestFromProto,
  attachNetworkResultToProto,
  detachNetworkRequestFromProto,
  detachNetworkResultToProto,
} from "./hotplug-mapping.js";

export type LogContext = { log: Logger };
export type AttachmentServiceImpl = AttachmentServiceImplementation<LogContext>;
export type { AttachmentServiceDefinition };

export function createAttachmentServiceImpl(service: AttachmentService, limits?: MappingLimits): AttachmentServiceImpl {
  // The caller's deadline travels with its signal (the transport put its instant in the metadata).
  const ctx = (c: CallContext & LogContext): DomainContext => ({
    signal: withDeadline(c.signal, callerDeadline(c.metadata)),
    log: c.log,
  });
  return {
    async attachNetworks(req, c) {
      return attachResultToProto(await service.attach(attachRequestFromProto(req, limits), ctx(c)));
    },
    async detachNetworks(req, c) {
      return detachResultToProto(await service.detach(detachRequestFromProto(req, limits), ctx(c)));
    },
    async checkNetworks(req, c) {
      const netns = req.netnsPath !== undefined ? { netns: req.netnsPath } : {};
      const ifName = req.primaryInterface !== undefined ? { primaryIfName: req.primaryInterface } : {};
      await service.check({ containerId: req.containerId, ...netns, ...ifName }, ctx(c));
      return {};
    },
    async garbageCollect(req, c) {
      const valid = req.validAttachments ? { validContainerIds: [...req.validAttachments.containerIds] } : {};
      return gcResultToProto(await service.gc({ ...valid, ...(req.dryRun ? { dryRun: true } : {}) }, ctx(c)));
    },
    async getStatus(_req, c) {
      return statusToProto(await service.status(ctx(c)));
    },
    async listAttachments(req, c) {
      const filter = Object.fromEntries(
        Object.entries({ podNamespace: req.podNamespace, podName: req.podName, containerId: req.containerId }).filter(
          ([, v]) => v !== "",
        ),
      );
      const list = await service.list(filter, ctx(c));
      return {
        attachments: list.attachments.map(attachmentToProto),
        unreadable: list.unreadable.map(unreadableToProto),
      };
    },
    async resolveNetworks(req, c) {
      const { plan, warnings } = await service.resolve(resolveRequestFromProto(req, limits), ctx(c));
      return planToProto(plan, warnings);
    },
    async attachNetwork(req, c) {
      return attachNetworkResultToProto(
        await service.attachNetwork(attachNetworkRequestFromProto(req, limits), ctx(c)),
      );
    },
    async detachNetwork(req, c) {
      return detachNetworkResultToProto(await service.detachNetwork(detachNetworkRequestFromProto(req), ctx(c)));
    },
  };
}
