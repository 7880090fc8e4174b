import { ApiException } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { apiFailureError, classifyApiFailure } from "./api-failure.js";

const api = (code: number, body = "") => new ApiException(code, `HTTP-Code: ${code}\nMessage: x`, body, {});

describe("API failure classification", () => {
  it("maps HTTP statuses: 404 gone, 409 conflict, 429/5xx retryable, other 4xx refused", () => {
    expect(classifyApiFailure(api(404)).kind).toBe("not-found");
    expect(classifyApiFailure(api(409)).kind).toBe("conflict");
    for (const code of [429, 500, 502, 503, 504]) expect(classifyApiFailure(api(code)).kind).toBe("unavailable");
    expect(classifyApiFailure(api(403))).toMatchObject({ kind: "rejected", status: 403 });
  });

  it("tells a 422 on metadata.uid (the object under that name is another one) from other 422s, by the Status causes", () => {
    const invalid = (field: string) =>
      JSON.stringify({
        kind: "Status",
        code: 422,
        reason: "Invalid",
        message: 'Pod "p" is invalid: x',
        details: { name: "p", kind: "Pod", causes: [{ reason: "FieldValueInvalid", field }] },
      });
    expect(classifyApiFailure(api(422, invalid("metadata.uid")))).toEqual({
      kind: "uid-mismatch",
      detail: 'HTTP 422: Pod "p" is invalid: x',
    });
    expect(classifyApiFailure(api(422, invalid("metadata.annotations"))).kind).toBe("rejected");
    expect(classifyApiFailure(api(422, "not json")).kind).toBe("rejected");
  });

  it("uses the Status message of the body when there is one", () => {
    const f = classifyApiFailure(api(403, JSON.stringify({ kind: "Status", message: 'pods "p" is forbidden' })));
    expect(f).toMatchObject({ detail: 'HTTP 403: pods "p" is forbidden' });
  });

  it("treats connection errors (by code, through cause) as unavailable", () => {
    const err = Object.assign(new Error("request failed"), {
      cause: Object.assign(new Error("connect"), { code: "ECONNREFUSED" }),
    });
    expect(classifyApiFailure(err)).toEqual({ kind: "unavailable", detail: "ECONNREFUSED: request failed" });
  });

  it("words the per-request deadline as a timeout, not as node-fetch's 'user aborted'", () => {
    const aborted = Object.assign(new Error("The user aborted a request."), { name: "AbortError" });
    expect(classifyApiFailure(aborted, new AbortController().signal)).toEqual({
      kind: "unavailable",
      detail: "no answer within the per-request timeout",
    });
  });

  it("reports the caller's abort as cancelled whatever the error", () => {
    const ac = new AbortController();
    ac.abort();
    expect(classifyApiFailure(api(503), ac.signal).kind).toBe("cancelled");
    expect(apiFailureError({ kind: "cancelled" }, "reading pod a/b", "pod a/b", null).code).toBe("CANCELLED");
  });

  it("makes KUBE_API_UNAVAILABLE for unreachable and refused, keeping the cause", () => {
    const cause = api(503);
    const e = apiFailureError({ kind: "unavailable", detail: "HTTP 503: x" }, "reading pod a/b", "pod a/b", cause);
    expect(e).toMatchObject({ code: "KUBE_API_UNAVAILABLE", context: { phase: "kube", source: "pod a/b" }, cause });
    expect(e.message).toBe("reading pod a/b: the API server could not be reached (HTTP 503: x)");
  });
});
