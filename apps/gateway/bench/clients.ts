// The two other ways the benchmark asks for the same data: through the gateway over HTTP (e2e), and
// straight to grpc-server with a grpc-js client (to tell server time from gateway time).
import { credentials } from '@grpc/grpc-js';
import {
  MeterUsageServiceClient,
  type AggregateUsageRequest,
  type ExportReadingsRequest,
  type ExportReadingsResponse,
  type GetUsageSummaryRequest,
  type ListReadingsRequest,
} from '@meterusage/contracts';
import { callUnary } from '../src/grpc/call';
import { countNewlines } from './raw-queries';

const DEADLINE_MS = 60_000;

/** GET a JSON route of the gateway: the whole body read and parsed, as a browser would. */
export async function getJson<Body>(baseUrl: string, pathAndQuery: string): Promise<Body> {
  const response = await fetch(`${baseUrl}${pathAndQuery}`);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`functional failure: GET ${pathAndQuery} answered ${response.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as Body;
}

/** GET a download of the gateway consumed as a stream; returns its line count (the CSV header included). */
export async function countDownloadLines(baseUrl: string, pathAndQuery: string): Promise<number> {
  const response = await fetch(`${baseUrl}${pathAndQuery}`);
  if (response.status !== 200 || response.body === null) {
    throw new Error(`functional failure: GET ${pathAndQuery} answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
  }
  let lines = 0;
  // fetch streams the body as bytes; undici's types leave the stream's chunks untyped.
  for await (const chunk of response.body as ReadableStream<Uint8Array>) lines += countNewlines(chunk);
  return lines;
}

/** grpc-server's MeterUsageService called directly (with the gateway's own call helper); close() when done. */
export function directGrpcClient(target: string) {
  const client = new MeterUsageServiceClient(target, credentials.createInsecure(), { 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
  const options = { deadlineMs: DEADLINE_MS };
  return {
    listReadings: (request: ListReadingsRequest) => callUnary(client.listReadings.bind(client), request, options),
    aggregateUsage: (request: AggregateUsageRequest) => callUnary(client.aggregateUsage.bind(client), request, options),
    getUsageSummary: (request: GetUsageSummaryRequest) => callUnary(client.getUsageSummary.bind(client), request, options),
    /** Streams an export and returns the number of readings received. */
    async exportCount(request: ExportReadingsRequest): Promise<number> {
      let readings = 0;
      const stream = client.exportReadings(request, { deadline: Date.now() + 10 * DEADLINE_MS });
      for await (const message of stream as AsyncIterable<ExportReadingsResponse>) readings += message.readings.length;
      return readings;
    },
    close: () => client.close(),
  };
}
