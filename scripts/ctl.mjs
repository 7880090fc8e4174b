#!/usr/bin/env node
// `npm run ctl -- ARGS`: netattachctl from the bundle `npm run build` wrote (~0.2 s a call)
// when it is newer than every source it was built from; otherwise from the TypeScript
// sources through tsx (~1.4 s), so an edit is never hidden behind a stale bundle.
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bundle = join(root, "build", "netattachctl.mjs");
const SOURCES = ["tools/src", "server/src", "proto/gen", "package-lock.json"];

function newestMtime(path) {
  const st = statSync(path, { throwIfNoEntry: false });
  if (st === undefined) return 0;
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

const fresh = existsSync(bundle) && SOURCES.every((s) => newestMtime(join(root, s)) <= statSync(bundle).mtimeMs);
if (fresh) {
  await import(pathToFileURL(bundle).href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import(pathToFileURL(join(root, "tools", "src", "main.ts")).href);
}
