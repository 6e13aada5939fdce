import type { MeterUsageServiceServer } from '@meterusage/contracts';
import type { DatabaseHandle } from '../db/connection';
import { callerOf } from '../access/caller';
import { unary } from '../grpc/unary';
import type { Logger } from '../logger';
import type { Telemetry } from '../prometheus';
import { toMeter } from './meters.mapper';
import { listMetersWithSpan } from './meters.repository';
import { requireDataVersion } from './require-meter';

/** ListMeters and GetDataVersion. */
export function createMeterHandlers(deps: {
  db: DatabaseHandle['db'];
  /** Meter used when a request leaves meter_id empty. */
  defaultMeterId: string;
  logger: Logger;
  telemetry?: Telemetry;
}): Pick<MeterUsageServiceServer, 'listMeters' | 'getDataVersion'> {
  return {
    // Only the meters the caller's key is granted: a listing never shows that others exist.
    listMeters: unary('ListMeters', deps, async (_request, call) => ({
      meters: (await listMetersWithSpan(deps.db, callerOf(call).grants.parts)).map(toMeter),
    })),
    getDataVersion: unary('GetDataVersion', deps, async (request: { meterId: string }) => {
      const row = await requireDataVersion(deps.db, request.meterId, deps.defaultMeterId);
      // Microseconds since 1970: below 2^53 until the year 2255.
      return { meterId: row.meter_id, dataVersion: Number(row.data_version) };
    }),
  };
}
