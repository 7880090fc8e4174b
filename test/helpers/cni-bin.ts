// Where the real CNI plugins live on this machine (Debian: /usr/lib/cni).
import { existsSync } from "node:fs";

const CANDIDATES = ["/usr/lib/cni", "/opt/cni/bin"];

export const CNI_BIN_DIRS: readonly string[] = process.env.NETATTACH_TEST_CNI_BIN
  ? process.env.NETATTACH_TEST_CNI_BIN.split(":")
  : CANDIDATES.filter((dir) => existsSync(dir));
