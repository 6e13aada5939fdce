import type * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { METER_USAGE_SERVICE_NAME } from '@meterusage/contracts';

type WatchCall = grpc.ServerWritableStream<{ service: string }, { status: string }>;

/** grpc.health.v1 for the server ('' and the meter service), with the Watch calls shutdown must be able to end. */
export interface HealthService {
  /** SERVING or NOT_SERVING for both names; open Watch calls are told of a change only. */
  setServing(serving: boolean): void;
  /** Ends every open Watch with OK, after the statuses already sent. */
  endWatches(): void;
}

/** Adds the health service to server, NOT_SERVING until told otherwise. */
export function addHealthService(server: grpc.Server): HealthService {
  let serving = false;
  const health = new HealthImplementation({ '': 'NOT_SERVING', [METER_USAGE_SERVICE_NAME]: 'NOT_SERVING' });
  const watches = new Set<WatchCall>();
  const statusOf = (service: string) => (service === '' || service === METER_USAGE_SERVICE_NAME ? (serving ? 'SERVING' : 'NOT_SERVING') : 'SERVICE_UNKNOWN');
  // Check and List come from grpc-health-check; Watch is ours, so shutdown can end the open ones.
  health.addToServer({
    addService: (service, implementation) =>
      server.addService(service, {
        ...implementation,
        watch(call: WatchCall) {
          watches.add(call);
          call.on('cancelled', () => watches.delete(call));
          call.write({ status: statusOf(call.request.service) });
        },
      }),
  });
  return {
    setServing(nowServing) {
      if (nowServing === serving) return; // Watch sends changes only
      serving = nowServing;
      const status = serving ? 'SERVING' : 'NOT_SERVING';
      health.setStatus('', status);
      health.setStatus(METER_USAGE_SERVICE_NAME, status);
      for (const call of watches) if (statusOf(call.request.service) !== 'SERVICE_UNKNOWN') call.write({ status });
    },
    endWatches() {
      for (const call of watches) call.end();
      watches.clear();
    },
  };
}
