// The netattachctl command table. Adding a command is one line here plus its own file.
import type { Command } from "../command.js";
import { cniCommand } from "./cni.js";

export const commands: readonly Command[] = [
  cniCommand,
];
