import {
  makeGenericClientConstructor,
  type CallOptions,
  type ChannelCredentials,
  type Client,
  type ClientOptions,
  type ClientUnaryCall,
  type Metadata,
  type ServiceError,
} from '@grpc/grpc-js';
import { MeterUsageServiceService, type AggregateUsageRequest } from '@meterusage/contracts';

/**
 * AggregateUsage with its answer left as the bytes received: grpc-js would decode a year of
 * 15-minute buckets (1.5 MB) in one synchronous step; the route decodes them in slices instead
 * (decodeAggregateUsageInSlices). Same method path, request encoding and channel as the main client.
 */
export interface AggregateUsageBytesClient extends Client {
  aggregateUsage(
    request: AggregateUsageRequest,
    metadata: Metadata,
    options: Partial<CallOptions>,
    callback: (error: ServiceError | null, response: Buffer) => void,
  ): ClientUnaryCall;
}

const AggregateUsageBytes = makeGenericClientConstructor(
  { aggregateUsage: { ...MeterUsageServiceService.aggregateUsage, responseDeserialize: (bytes: Buffer): Buffer => bytes } },
  'meterusage.v1.MeterUsageService',
);

/** A client of AggregateUsage whose answers are the encoded AggregateUsageResponse. */
export function createAggregateUsageBytesClient(target: string, channelCredentials: ChannelCredentials, options: ClientOptions): AggregateUsageBytesClient {
  return new AggregateUsageBytes(target, channelCredentials, options) as unknown as AggregateUsageBytesClient;
}
