import { Metadata, type CallOptions, type ClientUnaryCall, type ServiceError } from '@grpc/grpc-js';
import { AUTH_REQUIRED_METADATA } from '@meterusage/contracts';
import type { IncomingHttpHeaders } from 'node:http';

type UnaryMethod<Request, Response> = (
  request: Request,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response: Response) => void,
) => ClientUnaryCall;

/** Calls a unary RPC with a deadline and the given metadata (callMetadata's for a request's calls); rejects with the ServiceError. */
export function callUnary<Request, Response>(
  method: UnaryMethod<Request, Response>,
  request: Request,
  options: { deadlineMs: number; metadata?: Metadata },
): Promise<Response> {
  return new Promise((resolve, reject) => {
    method(request, options.metadata ?? new Metadata(), { deadline: Date.now() + options.deadlineMs }, (error, response) =>
      error ? reject(error) : resolve(response),
    );
  });
}

/**
 * The metadata of a call made for an HTTP request: its request id, so both apps' logs join up,
 * and the caller's own credential (the Authorization header as sent): the gateway holds no key
 * of its own, so grpc-server judges every call by the key of whoever asked. With AUTH_MODE=keys
 * the gateway also asks grpc-server to check keys whatever grpc-server's own mode.
 */
export function callMetadata(request: { id: string; headers: IncomingHttpHeaders }, requireKeys: boolean): Metadata {
  const metadata = new Metadata();
  metadata.set('x-request-id', request.id);
  const authorization = request.headers.authorization;
  if (authorization !== undefined) metadata.set('authorization', authorization);
  if (requireKeys) metadata.set(AUTH_REQUIRED_METADATA, 'keys');
  return metadata;
}
