import {
  makeGenericClientConstructor,
  type CallOptions,
  type ChannelCredentials,
  type Client,
  type ClientOptions,
  type ClientReadableStream,
  type ClientUnaryCall,
  type Metadata,
  type ServiceError,
} from '@grpc/grpc-js';
import {
  MeterUsageServiceService,
  type AggregateUsageRequest,
  type ExportReadingsRequest,
  type GetMetricsRequest,
  type ListReadingsRequest,
} from '@meterusage/contracts';

/**
 * The bulk methods with their answers left as the bytes received: grpc-js would decode a year of
 * 15-minute buckets (1.5 MB) or a month of readings into messages of Dates in one synchronous
 * step; the routes decode them in slices, straight into JSON or CSV text, instead
 * (decodeAggregateUsageInSlices, decodeReadingsInSlices). Same method paths, request encoding and
 * channel as the main client.
 */
export interface AnswerBytesClient extends Client {
  aggregateUsage: UnaryBytes<AggregateUsageRequest>;
  getMetrics: UnaryBytes<GetMetricsRequest>;
  listReadings: UnaryBytes<ListReadingsRequest>;
  exportReadings(request: ExportReadingsRequest, metadata: Metadata, options: Partial<CallOptions>): ClientReadableStream<Buffer>;
}

type UnaryBytes<Request> = (
  request: Request,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response: Buffer) => void,
) => ClientUnaryCall;

const asBytes = (bytes: Buffer): Buffer => bytes;
const { aggregateUsage, getMetrics, listReadings, exportReadings } = MeterUsageServiceService;
const AnswerBytes = makeGenericClientConstructor(
  {
    aggregateUsage: { ...aggregateUsage, responseDeserialize: asBytes },
    getMetrics: { ...getMetrics, responseDeserialize: asBytes },
    listReadings: { ...listReadings, responseDeserialize: asBytes },
    exportReadings: { ...exportReadings, responseDeserialize: asBytes },
  },
  'meterusage.v1.MeterUsageService',
);

/** A client of the bulk methods whose answers (each message of a stream) are the encoded responses. */
export function createAnswerBytesClient(target: string, channelCredentials: ChannelCredentials, options: ClientOptions): AnswerBytesClient {
  return new AnswerBytes(target, channelCredentials, options) as unknown as AnswerBytesClient;
}
