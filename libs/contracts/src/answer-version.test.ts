import fc from 'fast-check';
import { answerVersionOf } from './answer-version';
import {
  AggregateUsageResponse,
  GetLoadProfileResponse,
  GetMetricsResponse,
  GetUsageSummaryResponse,
  ListReadingsResponse,
} from './gen/meterusage/v1/meter_usage_service';

// answerVersionOf against the generated decoders, on every message that carries a data version.

const version = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), fc.constant(1_796_530_168_308_000));
const header = { meterId: fc.string(), unit: fc.string(), dataVersion: version };
const codecs = [
  { name: 'GetMetricsResponse', codec: GetMetricsResponse, message: fc.record(header) },
  { name: 'ListReadingsResponse', codec: ListReadingsResponse, message: fc.record({ ...header, nextPageToken: fc.string() }) },
  { name: 'AggregateUsageResponse', codec: AggregateUsageResponse, message: fc.record({ ...header, timeZone: fc.string() }) },
  { name: 'GetUsageSummaryResponse', codec: GetUsageSummaryResponse, message: fc.record(header) },
  { name: 'GetLoadProfileResponse', codec: GetLoadProfileResponse, message: fc.record({ ...header, timeZone: fc.string() }) },
] as const;

describe('answerVersionOf', () => {
  it.each(codecs)('reads the meter and data version of a $name as its decoder does', ({ codec, message }) => {
    fc.assert(
      fc.property(message, (fields) => {
        const { encode, decode, fromPartial } = codec as unknown as {
          encode(value: unknown): { finish(): Uint8Array };
          decode(bytes: Uint8Array): { meterId: string; dataVersion: number };
          fromPartial(value: unknown): unknown;
        };
        const bytes = encode(fromPartial(fields)).finish();
        const decoded = decode(bytes);
        expect(answerVersionOf(bytes)).toEqual({ meterId: decoded.meterId, dataVersion: decoded.dataVersion });
      }),
      { numRuns: 200 },
    );
  });
});
