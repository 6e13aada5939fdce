// The two other ways the benchmark asks for the same data: through the gateway over HTTP (e2e), and
// straight to grpc-server with a grpc-js client (to tell server time from gateway time).
import { credentials, Metadata } from '@grpc/grpc-js';
import {
  decodeAggregateUsageInSlices,
  decodeReadingsInSlices,
  ExportFormat,
  ExportReadingsResponse,
  ListReadingsResponse,
  MeterUsageServiceClient,
  type AggregateUsageRequest,
  type ExportReadingsRequest,
  type GetUsageSummaryRequest,
  type ListReadingsRequest,
  type ReadingFields,
  type UsageBucketFields,
} from '@meterusage/contracts';
import { createAnswerBytesClient } from '../src/grpc/answer-bytes';
import { callUnary } from '../src/grpc/call';
import { countNewlines } from './raw-queries';

const DEADLINE_MS = 60_000;

/** One getJson call's own share of its time: the client parsing the body (bytes: its UTF-8 length). */
export interface ClientParse {
  ms: number;
  bytes: number;
}

/** Every getJson call's parse, oldest first, until taken: the bench shows what the client's JSON.parse adds to e2e. */
export const clientParses: ClientParse[] = [];

/** GET a JSON route of the gateway: the whole body read and parsed, as a browser would. */
export async function getJson<Body>(baseUrl: string, pathAndQuery: string): Promise<Body> {
  const response = await fetch(`${baseUrl}${pathAndQuery}`);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`functional failure: GET ${pathAndQuery} answered ${response.status}: ${text.slice(0, 300)}`);
  const startedAt = performance.now();
  const body = JSON.parse(text) as Body;
  clientParses.push({ ms: performance.now() - startedAt, bytes: Buffer.byteLength(text) });
  return body;
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

/**
 * grpc-server's MeterUsageService called directly, as the gateway calls it: bulk answers arrive as
 * bytes and are read with the lean readers (no message of Dates per reading or bucket), so this
 * column measures grpc-server and the wire, not the generated decoder. close() when done.
 */
export function directGrpcClient(target: string) {
  const channelOptions = { 'grpc.max_receive_message_length': 64 * 1024 * 1024, 'grpc-node.flow_control_window': 8 * 1024 * 1024 };
  const client = new MeterUsageServiceClient(target, credentials.createInsecure(), channelOptions);
  const bytes = createAnswerBytesClient(target, credentials.createInsecure(), channelOptions);
  const options = { deadlineMs: DEADLINE_MS };
  return {
    async listReadings(request: ListReadingsRequest): Promise<{ readings: ReadingFields[] }> {
      const readings: ReadingFields[] = [];
      await decodeReadingsInSlices(ListReadingsResponse, await callUnary(bytes.listReadings.bind(bytes), request, options), (reading) =>
        readings.push(reading),
      );
      return { readings };
    },
    async aggregateUsage(request: AggregateUsageRequest): Promise<{ buckets: UsageBucketFields[] }> {
      const buckets: UsageBucketFields[] = [];
      await decodeAggregateUsageInSlices(await callUnary(bytes.aggregateUsage.bind(bytes), request, options), (bucket) => buckets.push(bucket));
      return { buckets };
    },
    getUsageSummary: (request: GetUsageSummaryRequest) => callUnary(client.getUsageSummary.bind(client), request, options),
    /** Streams an export as CSV lines (what the gateway asks for) and returns the number of lines received. */
    async exportCount(request: Omit<ExportReadingsRequest, 'format'>): Promise<number> {
      let lines = 0;
      const stream = bytes.exportReadings({ ...request, format: ExportFormat.EXPORT_FORMAT_CSV }, new Metadata(), { deadline: Date.now() + 10 * DEADLINE_MS });
      for await (const message of stream as AsyncIterable<Buffer>) lines += countLines(ExportReadingsResponse.decode(message).lines);
      return lines;
    },
    close: () => {
      client.close();
      bytes.close();
    },
  };
}

const NEWLINE = 10;

function countLines(bytes: Uint8Array): number {
  let lines = 0;
  for (let at = bytes.indexOf(NEWLINE); at !== -1; at = bytes.indexOf(NEWLINE, at + 1)) lines++;
  return lines;
}
