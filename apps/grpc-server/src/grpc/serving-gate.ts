import type { ServiceDefinition, UntypedServiceImplementation } from '@grpc/grpc-js';
import { NotServingError } from '../errors';
import type { RpcObserver } from './call-logger';
import { gateEachMethod, refuseCall } from './method-gate';

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
  return gateEachMethod('gateUntilServing', definition, implementation, (method, methodName, run) => (call, callback) => {
    const phase = phaseOf();
    if (phase === 'serving') return run(call, callback);
    refuseCall(method, methodName, call, callback, new NotServingError(phase), observer, { phase });
  });
}
