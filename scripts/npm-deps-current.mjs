#!/usr/bin/env node
// Exit 0 when node_modules holds exactly what package-lock.json locks (compared with the
// hidden lockfile npm writes into node_modules), 1 when `npm ci` is needed. Optional packages
// for other platforms (buf's, bun's) are never installed and do not count.
import { readFileSync } from "node:fs";
import process from "node:process";

function read(path) {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return undefined;
  }
}

const locked = read("package-lock.json")?.packages ?? {};
const installed = read("node_modules/.package-lock.json")?.packages;
if (installed === undefined) process.exit(1);
for (const [path, entry] of Object.entries(locked)) {
  if (path === "" || entry.link) continue;
  const have = installed[path];
  if (have === undefined ? !entry.optional : have.version !== entry.version) process.exit(1);
}
