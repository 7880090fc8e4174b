import { describe, expect, it } from "vitest";
import { createConnectTransport } from "./connect-transport.js";
import type { HttpPost } from "./http-post.js";
import { NotSentError } from "./socket-connect-error.js";

describe("createConnectTransport", () => {
  it("a deadline already past sends nothing and says the call was not sent", async () => {
    let posts = 0;
    const post: HttpPost = async () => {
      posts++;
      throw new Error("never posted");
    };
    const transport = createConnectTransport("/run/na.sock", post);
    const err = await transport
      .call("/netattach.v1.AttachmentService/DetachNetworks", new Uint8Array(), { deadline: Date.now() - 1 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotSentError);
    expect(err).toMatchObject({ details: "Deadline exceeded before the call was sent" });
    expect(posts).toBe(0);
  });
});
