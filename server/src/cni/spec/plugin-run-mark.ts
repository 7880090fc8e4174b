// The mark createSpawnExec (invoke/) puts in every plugin's environment, defined here in spec/, the
// layer netattach-cni bundles, importing nothing: the shim reads it to know when netattachd itself
// ran it (a copy of the shim named as a delegate), and must start without loading node:fs.

/** The environment variable that marks a process as started (directly or not) by one plugin run. */
export const PLUGIN_RUN_ENV = "NETATTACH_PLUGIN_RUN";

/**
 * The CNI code netattach-cni fails with when it finds PLUGIN_RUN_ENV in its environment: netattachd
 * ran its own shim (a copy under another name) as a delegate. In the plugin-specific range (100 and
 * above); netattachd reports it as INVALID_NETWORK_CONFIG naming the network.
 */
export const SHIM_AS_DELEGATE_CODE = 173;

/** What the shim's refusal says in its details: the mark it found, so netattachd knows it from another plugin's 173. */
export function shimRefusalDetails(markValue: string): string {
  return `${PLUGIN_RUN_ENV}=${markValue} is set`;
}

/** The shim's refusal, not a third-party plugin that happens to fail with the same code. */
export function isShimRefusal(code: number, details: string): boolean {
  return code === SHIM_AS_DELEGATE_CODE && details.startsWith(`${PLUGIN_RUN_ENV}=`);
}
