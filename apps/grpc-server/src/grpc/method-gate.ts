import type { MethodDefinition, ServiceDefinition, UntypedServiceImplementation } from '@grpc/grpc-js';
import { status as GrpcCode } from '@grpc/grpc-js';
import { toGrpcStatus, toServiceError } from '../errors';
import { callLogger, type RpcObserver } from './call-logger';

/** A call as the gates in front of the handlers see it, whatever its kind. */
export type GatedCall = Parameters<typeof callLogger>[1] & { emit(event: 'error', error: unknown): boolean };
export type RefusalCallback = (error: unknown, value: null) => void;

/**
 * Answers a call with error's status before its handler runs: counted and logged like the
 * handlers' own failures. Server streams report their status through an 'error' event; the
 * others through their callback.
 */
export function refuseCall(
  method: MethodDefinition<unknown, unknown>,
  methodName: string,
  call: GatedCall,
  callback: RefusalCallback | undefined,
  error: unknown,
  observer: RpcObserver,
  logFields: Record<string, unknown> = {},
): void {
  const status = toGrpcStatus(error);
  observer.telemetry?.observeRpc(methodName, GrpcCode[status.code], 0);
  callLogger(observer.logger, call).info({ method: methodName, code: status.code, ...logFields }, `call refused: ${status.message}`);
  if (method.responseStream) call.emit('error', toServiceError(status));
  else callback?.(toServiceError(status), null);
}

/** A handler as a gate sees it, whatever the method's kind. */
export type GatedHandler = (call: GatedCall, callback?: RefusalCallback) => void;

/**
 * Puts a gate in front of every handler of implementation: gate gets the method, its short name
 * ("GetMetrics") and the handler, and returns what runs instead. A handler that is not a method
 * of the service is a wiring mistake, refused when the server is built.
 */
export function gateEachMethod(
  gateName: string,
  definition: ServiceDefinition,
  implementation: UntypedServiceImplementation,
  gate: (method: MethodDefinition<unknown, unknown>, methodName: string, run: GatedHandler) => GatedHandler,
): UntypedServiceImplementation {
  const gated: UntypedServiceImplementation = {};
  for (const [name, handler] of Object.entries(implementation)) {
    const method = definition[name];
    if (method === undefined) throw new Error(`${gateName}: ${name} is not a method of the service`);
    const methodName = method.path.slice(method.path.lastIndexOf('/') + 1);
    gated[name] = gate(method, methodName, handler as GatedHandler) as UntypedServiceImplementation[string];
  }
  return gated;
}
