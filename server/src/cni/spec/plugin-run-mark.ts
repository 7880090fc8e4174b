// The mark createSpawnExec puts in every plugin's environment, in a module of its own that imports
// nothing: netattach-cni bundles it to know when netattachd itself ran it (a copy of the shim
// named as a delegate), and must start without loading node:fs.

/** The environment variable that marks a process as started (directly or not) by one plugin run. */
export const PLUGIN_RUN_ENV = "NETATTACH_PLUGIN_RUN";
