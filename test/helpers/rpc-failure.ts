// The RichClientError a daemon call fails with, as status name, message and ErrorInfo.
import { Status } from "nice-grpc-common";
import { ErrorInfo, RichClientError } from "nice-grpc-error-details";
import { expect } from "vitest";

export async function rpcFailure(p: Promise<unknown>): Promise<{ code: string; message: string; info: ErrorInfo }> {
  const err = await p.then(
    () => expect.fail("the call succeeded"),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RichClientError);
  const e = err as RichClientError;
  return {
    code: Status[e.code],
    message: e.details,
    info: e.extra.find((x): x is ErrorInfo => x.$type === ErrorInfo.$type)!,
  };
}
