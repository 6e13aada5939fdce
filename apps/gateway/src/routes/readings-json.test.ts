import fc from 'fast-check';
import { GetMetricsResponse, ListReadingsResponse, ReadingQuality, TimeOutsideRfc3339Error, type Reading } from '@meterusage/contracts';
import { schemaSerializer } from '../test-support/schema-serializer';
import { toIsoSeconds, toReadingJson } from './json-mapping';
import { metricsResponseSchema } from './metrics.routes';
import { readingsResponseSchema } from './readings.routes';
import { metricsJson, readingsJson } from './readings-json';
import { EARLIEST_MS, LATEST_MS } from './time-domain';

// The writers of the readings bodies, straight from the wire, against the references they
// replace on generated answers: the routes' schema serializers applied to the mappings of the
// decoded messages (what Fastify sent before) and JSON.parse of the same.

const instant = fc.oneof(
  fc.integer({ min: EARLIEST_MS / 1000, max: Math.floor(LATEST_MS / 1000) }).map((seconds) => new Date(seconds * 1000)),
  fc.integer({ min: EARLIEST_MS, max: LATEST_MS }).map((ms) => new Date(ms)),
);
const reading: fc.Arbitrary<Reading> = fc.record(
  {
    time: instant,
    start: instant,
    end: instant,
    usage: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0, -0, 1e21, 5e-324, 55.09, 0.1 + 0.2)),
    missing: fc.boolean(),
    quality: fc.constantFrom(...(Object.values(ReadingQuality).filter((value) => typeof value === 'number') as number[]), 7),
    uploadId: fc.oneof(fc.constant(''), fc.stringMatching(/^[1-9][0-9]{0,18}$/), fc.string()),
  },
  { requiredKeys: ['missing', 'quality', 'uploadId'] },
);
const readings = fc.oneof(
  { arbitrary: fc.array(reading, { maxLength: 20 }), weight: 9 },
  { arbitrary: fc.array(reading, { minLength: 60, maxLength: 300 }), weight: 1 },
);
const text = fc.oneof(fc.string(), fc.constantFrom('', 'meter-1', 'kWh', '"quoted" \\ back\nslash', '\u2028', '\ud800'));

// The mappings the routes returned for Fastify to serialise.
const toMetricJson = (message: Reading) => ({ time: toIsoSeconds(message.time) ?? '', meterusage: message.usage ?? null });
const toReadingsBody = (message: ListReadingsResponse) => ({
  meterId: message.meterId,
  unit: message.unit,
  readings: message.readings.map(toReadingJson),
  nextPageToken: message.nextPageToken,
});

describe('metricsJson and readingsJson', () => {
  let metricsSerializer: Awaited<ReturnType<typeof schemaSerializer>>;
  let readingsSerializer: Awaited<ReturnType<typeof schemaSerializer>>;
  beforeAll(async () => {
    metricsSerializer = await schemaSerializer(metricsResponseSchema);
    readingsSerializer = await schemaSerializer(readingsResponseSchema);
  });
  afterAll(async () => {
    await metricsSerializer.close();
    await readingsSerializer.close();
  });

  it('write the bytes the schema serializers wrote of the decoded answers, however often they yield', async () => {
    await fc.assert(
      fc.asyncProperty(text, text, text, readings, fc.constantFrom(0, 10), async (meterId, unit, nextPageToken, list, sliceMs) => {
        const metricsBytes = GetMetricsResponse.encode({ meterId, unit, readings: list, dataVersion: 7 }).finish();
        const metrics = GetMetricsResponse.decode(metricsBytes).readings.map(toMetricJson);
        const { body: writtenMetrics, ...metricsVersion } = await metricsJson(metricsBytes, sliceMs);
        expect(metricsVersion).toEqual({ meterId: GetMetricsResponse.decode(metricsBytes).meterId, dataVersion: 7 });
        expect(writtenMetrics.toString('utf8')).toBe(await metricsSerializer.serialise(metrics));
        expect(JSON.parse(writtenMetrics.toString('utf8'))).toEqual(JSON.parse(JSON.stringify(metrics)));

        const pageBytes = ListReadingsResponse.encode({ meterId, unit, nextPageToken, readings: list, dataVersion: 7 }).finish();
        const page = toReadingsBody(ListReadingsResponse.decode(pageBytes));
        const { body: writtenPage, nextPageToken: token, dataVersion } = await readingsJson(pageBytes, sliceMs);
        expect(dataVersion).toBe(7);
        expect(token).toBe(ListReadingsResponse.decode(pageBytes).nextPageToken);
        expect(writtenPage.toString('utf8')).toBe(await readingsSerializer.serialise(page));
        expect(JSON.parse(writtenPage.toString('utf8'))).toEqual(JSON.parse(JSON.stringify(page)));
      }),
      { numRuns: 150 },
    );
  });

  it('refuse a time outside years 0001-9999 (400 OUT_OF_RANGE), as the mapping does', async () => {
    const outside = GetMetricsResponse.encode({
      meterId: 'm',
      dataVersion: 0,
      unit: 'kWh',
      readings: [{ time: new Date(LATEST_MS + 1), missing: false, quality: 1, uploadId: '' }],
    }).finish();
    await expect(metricsJson(outside)).rejects.toBeInstanceOf(TimeOutsideRfc3339Error);
  });
});
