import type { ServiceDefinition, UntypedServiceImplementation } from '@grpc/grpc-js';
import { AUTH_REQUIRED_METADATA } from '@meterusage/contracts';
import { isMeterId } from '@meterusage/meters';
import { NotFoundError, PermissionDeniedError, UnauthenticatedError } from '../errors';
import { callLogger, type RpcObserver } from '../grpc/call-logger';
import { gateEachMethod, refuseCall, type GatedCall } from '../grpc/method-gate';
import { ANONYMOUS, setCallerOf, type Caller } from './caller';
import type { KeyAuthenticator } from './key-authenticator';
import type { ScopeName } from './meter-grants';

/** keys: every call needs a valid key; off: nobody is asked for one (loopback-only local use). */
export type AuthMode = 'keys' | 'off';

/**
 * What each method needs: a scope (undefined: any valid key), and whether its request's meter_id
 * names the one meter it reads. Every method of the service must be listed: a method added
 * without a rule makes the server fail to build rather than run unguarded.
 */
const METHOD_ACCESS: Readonly<Record<string, { scope: ScopeName | undefined; readsRequestMeter: boolean }>> = {
  GetMetrics: { scope: 'read', readsRequestMeter: true },
  ListReadings: { scope: 'read', readsRequestMeter: true },
  AggregateUsage: { scope: 'read', readsRequestMeter: true },
  GetUsageSummary: { scope: 'read', readsRequestMeter: true },
  GetLoadProfile: { scope: 'read', readsRequestMeter: true },
  ExportReadings: { scope: 'read', readsRequestMeter: true },
  GetDataVersion: { scope: 'read', readsRequestMeter: true },
  // Lists only the granted meters (meters.handler.ts).
  ListMeters: { scope: 'read', readsRequestMeter: false },
  // Only uploads all of whose meters are granted; an empty meter_id means every upload (uploads.handler.ts).
  ListUploads: { scope: 'read', readsRequestMeter: false },
  GetUpload: { scope: 'read', readsRequestMeter: false },
  ListReadingHistory: { scope: 'read', readsRequestMeter: true },
  // Checks every meter of the upload against the grants (upload-meters.ts).
  IngestReadings: { scope: 'write', readsRequestMeter: false },
  // An upload with a meter outside the grants is not found, as in GetUpload (revert-upload.ts).
  RevertUpload: { scope: 'write', readsRequestMeter: false },
  EstimateReadings: { scope: 'write', readsRequestMeter: true },
  CreateApiKey: { scope: 'admin', readsRequestMeter: false },
  ListApiKeys: { scope: 'admin', readsRequestMeter: false },
  RevokeApiKey: { scope: 'admin', readsRequestMeter: false },
  GetCaller: { scope: undefined, readsRequestMeter: false },
};

export interface AccessControl {
  mode: AuthMode;
  authenticator: KeyAuthenticator;
  /** Milliseconds an UNAUTHENTICATED answer waits before it is sent (AUTH_FAILURE_DELAY_MS): slows down guessing. */
  failureDelayMs: number;
  /** The meter a request with an empty meter_id reads. */
  defaultMeterId: string;
}

/**
 * The one place access is decided, in front of every method of the service (inside the serving
 * gate): the call's key (metadata "authorization: Bearer <secret>") must be valid and have the
 * method's scope, and a read of one meter must name a granted meter. A meter outside the grants
 * is answered exactly as a meter that does not exist (NOT_FOUND), so a key cannot learn which
 * other meters exist. Handlers then read the caller (callerOf) for what only they can see: the
 * meters of an upload, the meters a listing shows. With mode off no key is asked for, unless the
 * caller asks for the check itself (AUTH_REQUIRED_METADATA, sent by a gateway with AUTH_MODE=keys).
 */
export function authorizeCalls(
  definition: ServiceDefinition,
  implementation: UntypedServiceImplementation,
  access: AccessControl,
  observer: RpcObserver,
): UntypedServiceImplementation {
  return gateEachMethod('authorizeCalls', definition, implementation, (method, methodName, run) => {
    const rule = METHOD_ACCESS[methodName];
    if (rule === undefined) throw new Error(`authorizeCalls: no access rule for ${methodName}`);
    return (call: GatedCall & { request?: { meterId?: string }; cancelled?: boolean }, callback) => {
      if (access.mode === 'off' && call.metadata.get(AUTH_REQUIRED_METADATA)[0] !== 'keys') {
        setCallerOf(call, ANONYMOUS);
        return run(call, callback);
      }
      admit(call, methodName, rule, access).then(
        (caller) => {
          if (call.cancelled === true) return;
          setCallerOf(call, caller);
          if (rule.scope === 'write' || rule.scope === 'admin') {
            callLogger(observer.logger, call).info({ audit: true, method: methodName, scope: rule.scope }, 'call authorized');
          }
          run(call, callback);
        },
        (error: unknown) => {
          // Otherwise the keys could not be read (the database is down): that error is the answer.
          const reason =
            error instanceof UnauthenticatedError
              ? error.problem
              : error instanceof PermissionDeniedError
                ? 'scope'
                : error instanceof NotFoundError
                  ? 'meter'
                  : undefined;
          if (reason !== undefined) observer.telemetry?.observeAccessRefused(reason);
          const refuse = () => refuseCall(method, methodName, call, callback, error, observer, reason === undefined ? { err: error } : { access: reason });
          if (error instanceof UnauthenticatedError && access.failureDelayMs > 0) setTimeout(refuse, access.failureDelayMs);
          else refuse();
        },
      );
    };
  });
}

async function admit(
  call: GatedCall & { request?: { meterId?: string } },
  methodName: string,
  rule: { scope: ScopeName | undefined; readsRequestMeter: boolean },
  access: AccessControl,
): Promise<Caller> {
  const authorization = call.metadata.get('authorization')[0];
  const caller = await access.authenticator.authenticate(typeof authorization === 'string' ? authorization : undefined);
  if (rule.scope !== undefined && !caller.scopes.has(rule.scope)) {
    throw new PermissionDeniedError(`the API key "${caller.keyName}" lacks the ${rule.scope} scope that ${methodName} needs`);
  }
  if (rule.readsRequestMeter) {
    const requested = call.request?.meterId ?? '';
    const meterId = requested === '' ? access.defaultMeterId : requested;
    // A malformed id goes on to the handler, which names the field; an ungranted one is "not found".
    if (isMeterId(meterId) && !caller.grants.allows(meterId)) throw new NotFoundError('meter', meterId);
  }
  return caller;
}
