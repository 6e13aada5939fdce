// The one public surface of @meterusage/contracts: import from here, never from ./gen.
export {
  AggregateUsageRequest,
  AggregateUsageResponse,
  ExportReadingsRequest,
  ExportFormat,
  ExportReadingsResponse,
  GetDataVersionRequest,
  GetDataVersionResponse,
  GetLoadProfileRequest,
  GetLoadProfileResponse,
  GetMetricsRequest,
  GetMetricsResponse,
  GetUsageSummaryRequest,
  GetUsageSummaryResponse,
  IngestReadingsRequest,
  IngestReadingsResponse,
  ListMetersRequest,
  ListMetersResponse,
  ListReadingsRequest,
  ListReadingsResponse,
  MeterUsageServiceClient,
  MeterUsageServiceService,
  type MeterUsageServiceServer,
} from './gen/meterusage/v1/meter_usage_service';
export { Reading, ReadingQuality, readingQualityToJSON } from './gen/meterusage/v1/reading';
export { Meter, TimeLabel, timeLabelToJSON } from './gen/meterusage/v1/meter';
export {
  BucketWidth,
  bucketWidthToJSON,
  DayGroup,
  OperatingHours,
  Power,
  ProfileSlot,
  Quantity,
  ScheduleSplit,
  UsageBucket,
  UsageSummary,
} from './gen/meterusage/v1/aggregate';
export {
  ApiKey,
  AuthMode,
  authModeToJSON,
  CreateApiKeyRequest,
  CreateApiKeyResponse,
  GetCallerRequest,
  GetCallerResponse,
  ListApiKeysRequest,
  ListApiKeysResponse,
  RevokeApiKeyRequest,
  RevokeApiKeyResponse,
  Scope,
  scopeToJSON,
} from './gen/meterusage/v1/access';
export { ConflictPolicy, IngestMode, IngestOptions, IngestReport, RowError } from './gen/meterusage/v1/ingest';
export { GetUploadRequest, GetUploadResponse, ListUploadsRequest, ListUploadsResponse, Upload } from './gen/meterusage/v1/upload';
export {
  EstimateReadingsRequest,
  EstimateReadingsResponse,
  EstimateReport,
  EstimationMethod,
  estimationMethodToJSON,
  ListReadingHistoryRequest,
  ListReadingHistoryResponse,
  ReadingVersion,
  RevertConflict,
  RevertReport,
  RevertUploadRequest,
  RevertUploadResponse,
} from './gen/meterusage/v1/history';
export { HealthCheckRequest, HealthCheckResponse, HealthCheckResponse_ServingStatus as ServingStatus, HealthClient } from './gen/grpc/health/v1/health';
export { enumNames } from './enum-names';
export { fileDescriptorProtos } from './reflection';
export { badRequestViolations, encodeBadRequestStatus, STATUS_DETAILS_TRAILER, type FieldViolation } from './status-details';

/** Fully qualified name of the meter-usage service, as used by health checks and reflection. */
export const METER_USAGE_SERVICE_NAME = 'meterusage.v1.MeterUsageService';

/**
 * Trailing-metadata key grpc-server sets (value "grpc-server") on every status it translated
 * itself: such a status message is written for clients, unlike the ones grpc-js makes up for a
 * local deadline or a lost connection (their text names internals such as addresses).
 */
export const STATUS_ORIGIN_TRAILER = 'meterusage-status-origin';

/**
 * Trailing-metadata key of gRPC's retry pushback (gRFC A6): milliseconds after which the client
 * may try again. grpc-server sets it on busy and starting refusals; the gateway turns it into
 * HTTP Retry-After.
 */
export const RETRY_PUSHBACK_TRAILER = 'grpc-retry-pushback-ms';

/**
 * Request-metadata key by which a caller asks grpc-server to check API keys on its call even when
 * the server runs AUTH_MODE=off (value "keys"): a gateway with AUTH_MODE=keys sends it, so its
 * rules hold whatever mode the grpc-server behind it runs.
 */
export const AUTH_REQUIRED_METADATA = 'x-meterusage-auth';

/** ListReadingsRequest.page_size as the contract states it: 0 means `default`; at most `max`. */
export const PAGE_SIZE = Object.freeze({ default: 1000, max: 10_000 });
export type { UsageBucketFields } from './usage-bucket-wire';
export type { ReadingFields } from './reading-wire';
export { slicer, SLICE_MS } from './event-loop-slices';
export { decodeAggregateUsageInSlices, encodeAggregateUsageInSlices, type AggregateUsageHeader } from './aggregate-usage-slices';
export { decodeReadingsInSlices, encodeReadingBatchesInSlices, encodeReadingsInSlices, type ReadingsMessage } from './readings-slices';
export { isoSecondsOfMs, RFC3339_EARLIEST_MS, RFC3339_LATEST_MS, TimeOutsideRfc3339Error } from './text/iso-seconds';
export { TextSink } from './text/text-sink';
export { qualityName, writeJsonNumber, writeNumberField, writeTimeField } from './text/json-text';
export {
  CSV_HEADER,
  encodeExportLines,
  exportLineWriter,
  exportMeterBytes,
  type ByteRange,
  type ExportLineFormat,
  type ExportLineWriter,
} from './text/export-lines';
