// The client of a ts-proto generated service definition (the `*Definition` objects in
// proto/gen, which nice-grpc's createClient also consumes): one async function per unary
// method, with the method path, request encoder and response decoder all taken from the
// definition, over a UnaryTransport (connect-transport.ts) instead of a grpc-js channel.
import { ClientError } from "nice-grpc-common/lib/client/ClientError.js";
import { Status } from "nice-grpc-common/lib/Status.js";
import type { UnaryCallOptions, UnaryTransport } from "./connect-transport.js";

/** The slice of a generated method definition this client uses. */
interface MethodDefinition<Req, Res> {
  readonly name: string;
  readonly requestType: { encode(message: Req): { finish(): Uint8Array }; fromPartial(object: Req): Req };
  readonly responseType: { decode(input: Uint8Array): Res };
  readonly requestStream: boolean;
  readonly responseStream: boolean;
}

export interface ServiceDefinition {
  readonly fullName: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- variance: each method has its own message types
  readonly methods: Readonly<Record<string, MethodDefinition<any, any>>>;
}

type RequestOf<M> = M extends { requestType: { encode(message: infer Req): unknown } } ? Req : never;
type ResponseOf<M> = M extends { responseType: { decode(input: Uint8Array): infer Res } } ? Res : never;

/** The generated service's unary methods as functions: request message in, response message out. */
export type GeneratedClient<D extends ServiceDefinition> = {
  readonly [K in keyof D["methods"]]: (
    request: RequestOf<D["methods"][K]>,
    options?: UnaryCallOptions,
  ) => Promise<ResponseOf<D["methods"][K]>>;
};

export function createGeneratedClient<D extends ServiceDefinition>(
  definition: D,
  transport: UnaryTransport,
): GeneratedClient<D> {
  const client: Record<string, unknown> = {};
  for (const [key, method] of Object.entries(definition.methods)) {
    if (method.requestStream || method.responseStream) continue; // The shim makes unary calls only.
    const path = `/${definition.fullName}/${method.name}`;
    client[key] = async (request: unknown, options?: UnaryCallOptions): Promise<unknown> => {
      const bytes = method.requestType.encode(method.requestType.fromPartial(request)).finish();
      const response = await transport.call(path, bytes, options);
      try {
        return method.responseType.decode(response);
      } catch (err) {
        throw Object.assign(new ClientError(path, Status.INTERNAL, `Response message parsing error: ${String(err)}`), {
          cause: err,
        });
      }
    };
  }
  return client as GeneratedClient<D>;
}
