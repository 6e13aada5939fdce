import { Metadata, type CallOptions, type ClientUnaryCall, type ServiceError } from '@grpc/grpc-js';

type UnaryMethod<Request, Response> = (
  request: Request,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response: Response) => void,
) => ClientUnaryCall;

/** Calls a unary RPC with a deadline and the request id in metadata; rejects with the ServiceError. */
export function callUnary<Request, Response>(
  method: UnaryMethod<Request, Response>,
  request: Request,
  options: { deadlineMs: number; requestId?: string },
): Promise<Response> {
  const metadata = new Metadata();
  if (options.requestId !== undefined) metadata.set('x-request-id', options.requestId);
  return new Promise((resolve, reject) => {
    method(request, metadata, { deadline: Date.now() + options.deadlineMs }, (error, response) => (error ? reject(error) : resolve(response)));
  });
}
