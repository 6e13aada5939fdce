import type { GetMetricsRequest, GetMetricsResponse, MeterUsageServiceServer } from '@meterusage/contracts';
import { METER_ID_PATTERN } from '@meterusage/config';
import type { DatabaseHandle } from '../db/connection';
import { InvalidArgumentError, NotFoundError } from '../errors';
import { unary } from '../grpc/unary';
import type { Logger } from '../logger';
import { findMeter } from './meters.repository';
import { toReading } from './readings.mapper';
import { listAllReadings } from './readings.repository';

export interface ReadingsHandlerDeps {
  db: DatabaseHandle['db'];
  /** Meter used when a request leaves meter_id empty. */
  defaultMeterId: string;
  logger: Logger;
}

/** The MeterUsageService implementation: validate, query the repository, map rows to messages. */
export function createMeterUsageHandlers(deps: ReadingsHandlerDeps): MeterUsageServiceServer {
  const { db, logger } = deps;
  return {
    getMetrics: unary('GetMetrics', logger, async (request: GetMetricsRequest): Promise<GetMetricsResponse> => {
      const meterId = resolveMeterId(request.meterId, deps.defaultMeterId);
      const meter = await findMeter(db, meterId);
      if (meter === undefined) throw new NotFoundError('meter', meterId);
      const records = await listAllReadings(db, meterId);
      return { meterId, unit: meter.unit, readings: records.map((record) => toReading(record, meter)) };
    }),
  };
}

function resolveMeterId(requested: string, defaultMeterId: string): string {
  if (requested === '') return defaultMeterId;
  if (!METER_ID_PATTERN.test(requested)) {
    throw new InvalidArgumentError('meter_id', "must be 1 to 64 letters, digits, '.', '_', ':' or '-'");
  }
  return requested;
}
