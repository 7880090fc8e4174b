// A CNI plugin that records exactly what its caller sent: the exec-time environment
// (/proc/$$/environ, before the shell changes anything) and stdin, one pair per call.
// ADD answers with a fixed eth0 address so containerd accepts the sandbox.
import { chmod, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

export const RECORDER_TYPE = "netattach-recorder";
export const RECORDER_IP = "10.254.0.2";

/** Every capability a runtime might fill in; the record shows which ones containerd does. */
export const RECORDED_CAPABILITIES = [
  "io.kubernetes.cri.pod-annotations",
  "portMappings",
  "bandwidth",
  "ips",
  "mac",
  "dns",
  "cgroupPath",
] as const;

export async function installRecordingPlugin(binDir: string, recordDir: string, cniVersion: string): Promise<void> {
  const path = join(binDir, RECORDER_TYPE);
  await writeFile(
    path,
    `#!/bin/sh
n=$(date +%s%N)
cp /proc/$$/environ "${recordDir}/$n.env"
cat > "${recordDir}/$n.stdin"
case "$CNI_COMMAND" in
  ADD) printf '{"cniVersion":"${cniVersion}","interfaces":[{"name":"eth0","sandbox":"%s"}],"ips":[{"address":"${RECORDER_IP}/24","interface":0}]}' "$CNI_NETNS" ;;
  VERSION) printf '{"cniVersion":"${cniVersion}","supportedVersions":["0.3.0","0.3.1","0.4.0","1.0.0"]}' ;;
esac
exit 0
`,
  );
  await chmod(path, 0o755);
}

export function recordingConflist(cniVersion: string): string {
  const capabilities = Object.fromEntries(RECORDED_CAPABILITIES.map((c) => [c, true]));
  return JSON.stringify(
    { cniVersion, name: "recorder-net", plugins: [{ type: RECORDER_TYPE, capabilities }] },
    null,
    2,
  );
}

export interface RecordedCall {
  command: string;
  env: Record<string, string>;
  /** Raw stdin text: keys and casing exactly as sent. */
  stdin: string;
}

/** The calls in the order they happened. */
export async function readRecordedCalls(recordDir: string): Promise<RecordedCall[]> {
  const stamps = (await readdir(recordDir))
    .filter((f) => f.endsWith(".env"))
    .map((f) => f.slice(0, -4))
    .sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
  const calls: RecordedCall[] = [];
  for (const stamp of stamps) {
    const rawEnv = await readFile(join(recordDir, `${stamp}.env`), "utf8");
    const env = Object.fromEntries(
      rawEnv
        .split("\0")
        .filter(Boolean)
        .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
    );
    const stdin = await readFile(join(recordDir, `${stamp}.stdin`), "utf8");
    calls.push({ command: env["CNI_COMMAND"] ?? "", env, stdin });
  }
  return calls;
}
