// The checkout's netattach-spawner, which scripts/setup.sh builds (npm test runs it first).
import { existsSync } from "node:fs";
import { CHECKOUT_SPAWNER } from "../../server/src/cni/index.js";

export function spawnerPath(): string {
  if (CHECKOUT_SPAWNER === undefined || !existsSync(CHECKOUT_SPAWNER)) {
    throw new Error(`${CHECKOUT_SPAWNER ?? "build/netattach-spawner"} is missing: run npm run setup (it builds it)`);
  }
  return CHECKOUT_SPAWNER;
}
