// What a plugin may print as its ADD result, checked on its stdout before it is parsed. A result
// is cached, saved in the attachment record and sent back to the caller (about three times per
// network in one AttachNetworks response), so its bounds are set by where it goes: nesting past
// a few thousand levels overflows the stack of every JSON printer and a pretty-printed record of
// it grows quadratically (6 KB → 18 MB); a large one does not fit the caller's response. Real
// results are a few KB, 3 levels deep, with a handful of interfaces.
import { isUtf8 } from "node:buffer";
import { jsonTextDepth } from "../spec/json-depth.js";

/** Nesting of arrays and objects: spec results nest 3 deep, the rest is room for a plugin's own keys. */
export const MAX_RESULT_DEPTH = 32;
/**
 * Bytes of a result: the results of 32 networks (limits.maxNetworksPerPod's default), each sent
 * about three times, fit the 4 MiB a gRPC client receives by default.
 */
export const MAX_RESULT_BYTES = 32 * 1024;
/** Interfaces of one result: a veth pair, its bridge, or a VM's queues need far fewer. */
export const MAX_RESULT_INTERFACES = 64;

/** Why stdout `out` (`text` decoded) cannot be a result: over a bound or not UTF-8 (as JSON must be); else undefined. */
export function resultTextProblem(out: Buffer, text: string): string | undefined {
  if (out.length > MAX_RESULT_BYTES)
    return `a result of ${out.length} bytes, over the ${MAX_RESULT_BYTES} a result may have`;
  if (!isUtf8(out)) return "a result that is not UTF-8 text";
  if (jsonTextDepth(text, MAX_RESULT_DEPTH) > MAX_RESULT_DEPTH)
    return `a result nested more than ${MAX_RESULT_DEPTH} deep`;
  return undefined;
}
