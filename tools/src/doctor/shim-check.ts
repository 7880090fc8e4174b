// Is the shim the runtime execs there, executable, and the one shipped with this netattach
// (same bytes as the reference build next to netattachctl)?
import { createHash } from "node:crypto";
import { access, constants, readFile } from "node:fs/promises";
import { join } from "node:path";
import { SHIM_TYPE } from "../install/shim-conflist.js";
import type { CheckResult } from "./doctor-check.js";

export async function checkShim(binDir: string, reference: string | undefined): Promise<CheckResult> {
  const installed = join(binDir, SHIM_TYPE);
  const fix = `netattachctl install --bin-dir ${binDir}${reference ? ` --shim ${reference}` : ""} (the DaemonSet's init container does this on restart)`;
  const bytes = await readFile(installed).catch(() => undefined);
  if (bytes === undefined)
    return {
      check: "shim",
      status: "fail",
      message: `${installed} is missing: the runtime cannot run netattach's conflist`,
      fix,
    };
  if (
    !(await access(installed, constants.X_OK).then(
      () => true,
      () => false,
    ))
  )
    return { check: "shim", status: "fail", message: `${installed} is not executable`, fix };
  if (reference === undefined)
    return {
      check: "shim",
      status: "warn",
      message: `${installed} is installed; no reference shim to compare it with`,
      fix: "pass --shim PATH (the netattach-cni shipped with this netattachd)",
    };
  const expected = await readFile(reference).catch(() => undefined);
  if (expected === undefined)
    return {
      check: "shim",
      status: "warn",
      message: `${installed} is installed; the reference ${reference} cannot be read`,
      fix: "pass --shim PATH",
    };
  if (sha256(bytes) !== sha256(expected)) {
    return {
      check: "shim",
      status: "fail",
      message: `${installed} differs from ${reference} (the shim of this netattach version)`,
      fix,
    };
  }
  return { check: "shim", status: "ok", message: `${installed} matches ${reference}` };
}

function sha256(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}
