// The netattachctl command table. Adding a command is one line here plus its own file.
import type { Command } from "../command.js";
import { cniCommand } from "./cni.js";
import { installCommand } from "./install.js";
import { attachCommand } from "./attach.js";
import { detachCommand } from "./detach.js";
import { attachNetworkCommand } from "./attach-network.js";
import { detachNetworkCommand } from "./detach-network.js";
import { doctorCommand } from "./doctor.js";
import { eventsCommand } from "./events.js";
import { gcCommand } from "./gc.js";
import { listCommand } from "./list.js";
import { resolveCommand } from "./resolve.js";
import { statusCommand } from "./status.js";

export const commands: readonly Command[] = [
  cniCommand,
  installCommand,
  attachCommand,
  detachCommand,
  attachNetworkCommand,
  detachNetworkCommand,
  resolveCommand,
  listCommand,
  gcCommand,
  statusCommand,
  eventsCommand,
  doctorCommand,
];
