import type { ServiceDefinition, UntypedServiceImplementation } from '@grpc/grpc-js';
import { status as GrpcCode } from '@grpc/grpc-js';
import { NotServingError, toGrpcStatus, toServiceError } from '../errors';
import { callLogger, type RpcObserver } from './call-logger';

/** Where the server is in its life: only 'serving' runs calls. */
export type ServerPhase = 'starting' | 'serving' | 'stopping';

/**
 * The one gate in front of every method of a service: while the server is starting (database,
 * migrations, seed) or once shutdown has begun, a call is answered UNAVAILABLE with a message
 * saying which, before its handler runs (a query before the migrations fails as INTERNAL with
 * `relation "meters" does not exist`). Health and reflection are not wrapped: they stay available.
 */
export function gateUntilServing(
  definition: ServiceDefinition,
  implementation: UntypedServiceImplementation,
  phaseOf: () => ServerPhase,
  observer: RpcObserver,
): UntypedServiceImplementation {
  const gated: UntypedServiceImplementation = {};
  for (const [name, handler] of Object.entries(implementation)) {
    const method = definition[name];
    if (method === undefined) throw new Error(`gateUntilServing: ${name} is not a method of the service`);
    const methodName = method.path.slice(method.path.lastIndexOf('/') + 1);
    const run = handler as (call: GatedCall, callback?: RefusalCallback) => void;
    gated[name] = ((call: GatedCall, callback?: RefusalCallback) => {
      const phase = phaseOf();
      if (phase === 'serving') return run(call, callback);
      const status = toGrpcStatus(new NotServingError(phase));
      observer.telemetry?.observeRpc(methodName, GrpcCode[status.code], 0);
      callLogger(observer.logger, call).info({ method: methodName, phase }, `call refused: ${status.message}`);
      // Server streams report their status through an 'error' event; the others through their callback.
      if (method.responseStream) call.emit('error', toServiceError(status));
      else callback?.(toServiceError(status), null);
    }) as UntypedServiceImplementation[string];
  }
  return gated;
}

type GatedCall = Parameters<typeof callLogger>[1] & { emit(event: 'error', error: unknown): boolean };
type RefusalCallback = (error: unknown, value: null) => void;
