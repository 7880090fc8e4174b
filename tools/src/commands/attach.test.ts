import { describe, expect, it } from "vitest";
import { AttachedInterface } from "../../../proto/gen/netattach/v1/attachment.js";
import { renderTable } from "../output/table.js";
import { INTERFACE_COLUMNS } from "./attach.js";

describe("attach's interface table", () => {
  it("DEFAULT marks the interface holding the default route, not the cluster network, after a default-route selection moved it", () => {
    const rows = [
      AttachedInterface.fromPartial({ interface: "eth0", network: "cluster", isDefault: true, gateways: [] }),
      AttachedInterface.fromPartial({ interface: "net1", network: "default/ptp-conf", gateways: ["10.3.0.1"] }),
    ];
    const [, eth0, net1] = renderTable(INTERFACE_COLUMNS, rows).split("\n");
    expect(eth0).not.toContain("yes");
    expect(net1?.trimEnd().endsWith("yes")).toBe(true);
  });
});
