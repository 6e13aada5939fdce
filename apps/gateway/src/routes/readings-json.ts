import { decodeReadingsInSlices, GetMetricsResponse, ListReadingsResponse, SLICE_MS } from '@meterusage/contracts';
import { JsonArrayBody } from './json-array-body';
import { writeMetricJson, writeReadingJson } from './json-mapping';

// The JSON bodies of the readings routes from the encoded answers, each reading decoded and
// written as text in turn, in slices (as usage-json.ts does for buckets): a month is 2,976
// readings, and GetMetrics answers every reading of a meter, years of them.

/** A body written, with the meter and data version of the answer it was written from (for the answer cache). */
export interface WrittenAnswer {
  body: Buffer;
  meterId: string;
  dataVersion: number;
}

/** GET /api/metrics: [{"time","meterusage"}, …] of every reading (tests hold it to the route's schema serializer). */
export async function metricsJson(bytes: Uint8Array, sliceMs = SLICE_MS): Promise<WrittenAnswer> {
  const metrics = new JsonArrayBody(writeMetricJson);
  const { meterId, dataVersion } = await decodeReadingsInSlices(GetMetricsResponse, bytes, (reading) => metrics.add(reading), sliceMs);
  return { body: metrics.body('[', ']'), meterId, dataVersion };
}

/** GET /api/readings: {"meterId","unit","readings":[…],"nextPageToken"} (tests hold it to the route's schema serializer), and that token. */
export async function readingsJson(bytes: Uint8Array, sliceMs = SLICE_MS): Promise<WrittenAnswer & { nextPageToken: string }> {
  const readings = new JsonArrayBody(writeReadingJson);
  const header = await decodeReadingsInSlices(ListReadingsResponse, bytes, (reading) => readings.add(reading), sliceMs);
  const envelope = JSON.stringify({ meterId: header.meterId, unit: header.unit });
  const body = readings.body(`${envelope.slice(0, -1)},"readings":[`, `],"nextPageToken":${JSON.stringify(header.nextPageToken)}}`);
  return { body, nextPageToken: header.nextPageToken, meterId: header.meterId, dataVersion: header.dataVersion };
}
