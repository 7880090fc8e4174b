// The API's FileDescriptorSet (built by `npm run generate`), served by gRPC reflection.
import { readFile } from "node:fs/promises";

export const DESCRIPTOR_SET_URL = new URL("../../../proto/gen/descriptor.binpb", import.meta.url);

export async function loadDescriptorSet(url: URL = DESCRIPTOR_SET_URL): Promise<Uint8Array> {
  return new Uint8Array(await readFile(url));
}
