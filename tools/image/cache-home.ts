// Where netattach's build tooling keeps what it can reuse between runs (fetched debs, the image's
// base layer, the tests' shim builds): the user's cache directory, not the temp dir, which is for
// what a run removes again (the test suite gives each run its own and checks that it ends empty).
import { homedir } from "node:os";
import { join } from "node:path";

export const CACHE_HOME = join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "netattach");
