// Re-records test/fixtures/containerd-1.6 from a live private containerd (root):
//   npx tsx test/helpers/containerd/record-main.ts
import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { recordContainerdCni } from "./record-containerd-cni.js";

const fixtures = fileURLToPath(new URL("../../fixtures/containerd-1.6/", import.meta.url));
for (const rec of await recordContainerdCni()) {
  const path = `${fixtures}${rec.scenario}.json`;
  await writeFile(path, `${JSON.stringify(rec, null, 2)}\n`);
  process.stdout.write(`${path}: ${rec.calls.map((c) => c.command).join(" ")}\n`);
}
