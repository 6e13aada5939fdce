import type { MeterUsageServiceServer } from '@meterusage/contracts';
import type { DatabaseHandle } from '../db/connection';
import { unary } from '../grpc/unary';
import type { Logger } from '../logger';
import type { Telemetry } from '../prometheus';
import { toMeter } from './meters.mapper';
import { listMetersWithSpan } from './meters.repository';

/** ListMeters. */
export function createMeterHandlers(deps: { db: DatabaseHandle['db']; logger: Logger; telemetry?: Telemetry }): Pick<MeterUsageServiceServer, 'listMeters'> {
  return {
    listMeters: unary('ListMeters', deps, async () => ({ meters: (await listMetersWithSpan(deps.db)).map(toMeter) })),
  };
}
