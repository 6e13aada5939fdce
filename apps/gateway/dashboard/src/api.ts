// The gateway's HTTP API (README "HTTP API"), with every failure turned into an ApiError that
// says what happened: the gateway unreachable, the backend unavailable, an invalid request.
// Every request carries the stored API key, if any (send(), the one place that adds it).
import { storedKey } from './access-key';
import type { ViewState } from './url-state';

/** Longer than the gateway's own gRPC deadline (10 s), so its 504 body normally arrives first. */
const QUERY_TIMEOUT_MS = 20_000;
/** Matches the gateway's GRPC_STREAM_DEADLINE_MS default for uploads and exports. */
const STREAM_TIMEOUT_MS = 600_000;

export type ApiErrorKind = 'network' | 'timeout' | 'unavailable' | 'invalid' | 'not-found' | 'unauthorized' | 'http';

export interface ApiErrorDetails {
  kind: ApiErrorKind;
  /** One line for the user: what failed. */
  title: string;
  /** The reason, as precise as the gateway gave it. */
  message: string;
  /** HTTP status, when an answer arrived. */
  status?: number | undefined;
  code?: string | undefined;
  /** The query parameter a 400 names. */
  field?: string | undefined;
}

export class ApiError extends Error {
  readonly kind: ApiErrorKind;
  readonly title: string;
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly field: string | undefined;

  constructor({ kind, title, message, status, code, field }: ApiErrorDetails) {
    super(message);
    this.name = 'ApiError';
    this.kind = kind;
    this.title = title;
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

// The JSON bodies the dashboard reads (see the gateway's response schemas); every field optional
// where the dashboard copes without it.
/** GET /api/caller: who the key is and what it may do; authMode "off" means no key is needed. */
export interface CallerBody {
  authMode: 'keys' | 'off';
  name: string;
  scopes: string[];
  /** Meter ids, prefixes ending in *, or * for every meter. */
  meters: string[];
}
export interface MeterBody {
  meterId: string;
  unit: string;
  intervalSeconds: number;
}
export interface UsageSummaryBody {
  meterId: string;
  unit?: string;
  from?: string;
  to?: string;
  summary?: {
    total?: number;
    mean?: number;
    presentCount?: number;
    expectedCount?: number;
    missingCount?: number;
    peak?: { start: string; end: string; usage?: number };
    /** Of presentCount, the estimated and the hand-edited values. */
    estimatedCount?: number;
    editedCount?: number;
    /** Energy meters only: the highest interval's average power, and the 10th percentile of interval power. */
    peakDemand?: { value: number; unit: string; start: string; end: string };
    baseLoad?: { value: number; unit: string };
    /** With a schedule: the values inside and outside the operating hours. */
    schedule?: { insideTotal: number; outsideTotal: number; outsideShare?: number; insideCount: number; outsideCount: number };
  };
  /** With compare: the compared period and the differences (requested minus compared). */
  comparison?: {
    name: string;
    from: string;
    to: string;
    differences: { total: number | null; totalPercent: number | null; peakDemand: number | null; baseLoad: number | null };
  };
}
/** GET /api/usage?shape=columns: bucket i is element i of every column; times in epoch milliseconds. */
export interface UsageBody {
  unit?: string;
  timeZone?: string;
  columns?: {
    startMs?: number[];
    endMs?: number[];
    sum?: Array<number | null>;
    presentCount?: number[];
    expectedCount?: number[];
    clipped?: boolean[];
    /** Of presentCount, the estimated and the hand-edited values. */
    estimatedCount?: number[];
    editedCount?: number[];
  };
  /** With compare: the compared period's buckets aligned with these (null where it has none). */
  comparison?: {
    name: string;
    from: string;
    to: string;
    columns?: { sum?: Array<number | null>; presentCount?: Array<number | null> };
  };
}
export interface IngestReportBody {
  meterId: string;
  committed: boolean;
  inserted?: number;
  updated?: number;
  unchanged?: number;
  skipped?: number;
  rejected: number;
  firstIntervalStart?: string;
  lastIntervalEnd?: string;
  metersCreated?: string[];
  errors?: Array<{ line?: number; field?: string; reason?: string }>;
  /** The upload's record (GET /api/uploads/{id}); absent when nothing was written. */
  uploadId?: string;
}

/** POST /api/uploads/{id}/revert's answer, and what a revert's record holds. */
export interface RevertReportBody {
  revertedUploadId: string;
  /** The revert's own record; absent for a dry run or a revert that changed nothing. */
  uploadId?: string;
  dryRun: boolean;
  restored: number;
  removed: number;
  unchanged: number;
  conflicts: number;
  forced: number;
  /** The first 100 conflicts: intervals a later upload changed since. */
  conflictDetails: Array<{ meterId: string; start: string; currentUploadId?: string }>;
  meterIds: string[];
}

/** POST /api/meters/{id}/estimate's answer, and what an estimation run's record holds. */
export interface EstimateReportBody {
  meterId: string;
  uploadId?: string;
  dryRun: boolean;
  method: string;
  gaps: number;
  estimated: number;
  leftEmpty: number;
}

/** One record of GET /api/uploads: a committed write (upload, seed, revert or estimation run). */
export interface UploadRecordBody {
  uploadId: string;
  receivedAt: string;
  committedAt: string;
  /** "POST /api/readings", "meterusage-ingest", "IngestReadings", "seed", "revert" or "estimate". */
  source: string;
  caller: string;
  fileName?: string;
  sha256: string;
  options?: Partial<Record<'meter' | 'unit' | 'tz' | 'on_conflict' | 'mode' | 'time_label', string>>;
  meterIds: string[];
  report: IngestReportBody;
  /** False for uploads recorded before value history was kept. */
  revertible?: boolean;
  revert?: RevertReportBody;
  estimate?: EstimateReportBody;
}

/** One interval of GET /api/readings; uploadId is absent for holes. */
export interface ReadingBody {
  start?: string;
  end?: string;
  usage?: number;
  missing: boolean;
  /** READING_QUALITY_MEASURED (actual), _ESTIMATED, _EDITED, _MISSING_IN_SOURCE or _NOT_RECEIVED (a hole). */
  quality: string;
  uploadId?: string;
}

export interface RequestOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

type Params = Record<string, string | undefined>;

/** "/api/usage?meter=m&bucket=day": undefined values are left out. */
export function apiUrl(path: string, params: Params = {}): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') query.set(key, value);
  const text = query.toString();
  return text === '' ? path : `${path}?${text}`;
}

/** The caller's access; answers 401 (an ApiError with status 401) when the gateway needs a key and has none or a wrong one. */
export function getCaller(options?: RequestOptions): Promise<CallerBody> {
  return request('/api/caller', {}, options);
}

export function getMeters(options?: RequestOptions): Promise<{ meters?: MeterBody[] }> {
  return request('/api/meters', {}, options);
}

/** The zones the API accepts as tz (GET /api/time-zones). */
export function getTimeZones(options?: RequestOptions): Promise<{ timeZones?: string[] }> {
  return request('/api/time-zones', {}, options);
}

export function getSummary({ meter, from, to, tz, compare, schedule }: ViewState, options?: RequestOptions): Promise<UsageSummaryBody> {
  return request('/api/summary', { meter, from, to, tz, compare, schedule }, options);
}

/** The buckets as columns, the form the chart draws: a third of the rows' bytes, and no per-bucket objects to parse. */
export function getUsage({ meter, from, to, tz, bucket, quantity, compare }: ViewState, options?: RequestOptions): Promise<UsageBody> {
  return request('/api/usage', { meter, from, to, tz, bucket, quantity, compare, shape: 'columns' }, options);
}

/** One time of day of GET /api/profile (statistics null where count is 0). */
export interface ProfileSlotBody {
  start: string;
  end: string;
  count: number;
  incompleteCount: number;
  mean: number | null;
  min: number | null;
  max: number | null;
  p10: number | null;
  p90: number | null;
}
export interface ProfileBody {
  meterId: string;
  unit: string;
  timeZone: string;
  slots: ProfileSlotBody[];
}

/** The hourly load profile of a view's range over the days of a group. */
export function getProfile({ meter, from, to, tz }: ViewState, group: 'weekday' | 'weekend', options?: RequestOptions): Promise<ProfileBody> {
  return request('/api/profile', { meter, from, to, tz, bucket: 'hour', group }, options);
}

/** The intervals of [fromMs, toMs) of a meter, at most pageSize of them (the first page). */
export function getReadings(meterId: string, fromMs: number, toMs: number, pageSize: number, options?: RequestOptions): Promise<{ readings?: ReadingBody[] }> {
  const instant = (ms: number) => new Date(ms).toISOString();
  return request('/api/readings', { meter: meterId, from: instant(fromMs), to: instant(toMs), page_size: String(pageSize) }, options);
}

/** One page of a meter's upload records, newest first; pageToken is the previous page's nextPageToken. */
export function listUploads(
  meterId: string,
  pageToken: string,
  pageSize: number,
  options?: RequestOptions,
): Promise<{ uploads?: UploadRecordBody[]; nextPageToken?: string }> {
  return request('/api/uploads', { meter: meterId, page_size: String(pageSize), page_token: pageToken }, options);
}

/** Undoes an upload (scope write); with dryRun the answer says what it would do and nothing is written. */
export function revertUpload(uploadId: string, { force, dryRun }: { force: boolean; dryRun: boolean }, options?: RequestOptions): Promise<RevertReportBody> {
  return request(`/api/uploads/${encodeURIComponent(uploadId)}/revert`, { force: String(force), dry_run: String(dryRun) }, options, 'POST');
}

/** Fills the gaps of [from, to) with estimates (scope write); with dryRun nothing is written. */
export function estimateGaps(
  meterId: string,
  { from, to, tz, method, dryRun }: { from: string; to: string; tz: string; method: string; dryRun: boolean },
  options?: RequestOptions,
): Promise<EstimateReportBody> {
  return request(`/api/meters/${encodeURIComponent(meterId)}/estimate`, { from, to, tz, method, dry_run: String(dryRun) }, options, 'POST');
}

/** The CSV download of a selection (a link, not a fetch: the browser streams it to disk). */
export function exportUrl({ meter, from, to, tz }: ViewState): string {
  return apiUrl('/api/export', { meter, from, to, tz, format: 'csv' });
}

/**
 * The export as a file in memory, for when the request must carry the key: a link cannot send a
 * header, and a key in the URL would be kept by history and logs.
 */
export async function fetchExport(view: ViewState, options: RequestOptions = {}): Promise<{ file: Blob; fileName: string }> {
  const url = exportUrl(view);
  const { response, body } = await send(url, { headers: { Accept: 'text/csv' }, cache: 'no-store' }, { timeoutMs: STREAM_TIMEOUT_MS, ...options });
  if (!response.ok) throw httpError(response, body);
  let file: Blob;
  try {
    file = await response.blob();
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw new ApiError({ kind: 'network', title: 'The download broke off', message: `${errorMessage(error)}. Try again.` });
  }
  // The gateway names the file (meter and range) in Content-Disposition, as the link download uses.
  const named = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '');
  return { file, fileName: named?.[1] ?? 'export.csv' };
}

export interface UploadOptions {
  meter: string | undefined;
  on_conflict: string;
  mode: string;
  tz: string | undefined;
  token: string | undefined;
}

/**
 * Sends a CSV file as the request body (streamed by the browser). Resolves with the ingest
 * report for 200 (written) and 422 (rows rejected, nothing written); other answers throw.
 */
export async function uploadCsv(file: File, { meter, on_conflict, mode, tz, token }: UploadOptions, options: RequestOptions = {}): Promise<IngestReportBody> {
  const headers: Record<string, string> = { 'Content-Type': 'text/csv' };
  if (token) headers.Authorization = `Bearer ${token}`; // gateways with INGEST_TOKEN set (and AUTH_MODE=off) require it
  const { response, body } = await send(
    // The file's name goes into the upload's record (GET /api/uploads).
    apiUrl('/api/readings', { meter, on_conflict, mode, tz, file_name: file.name.slice(0, 200) || undefined }),
    { method: 'POST', headers, body: file },
    { timeoutMs: STREAM_TIMEOUT_MS, ...options },
  );
  if (response.status === 200 || response.status === 422) return body as IngestReportBody;
  throw httpError(response, body);
}

async function request<T>(path: string, params: Params, options: RequestOptions = {}, method: 'GET' | 'POST' = 'GET'): Promise<T> {
  const { response, body } = await send(apiUrl(path, params), { method, headers: { Accept: 'application/json' }, cache: 'no-store' }, options);
  if (!response.ok) throw httpError(response, body);
  if (body === undefined) {
    throw new ApiError({
      kind: 'http',
      title: 'Unexpected answer from the gateway',
      message: `${path} did not answer with JSON (HTTP ${response.status})`,
      status: response.status,
    });
  }
  return body as T;
}

/** fetch with a timeout; the caller's AbortSignal cancels quietly (the AbortError propagates). */
async function send(
  url: string,
  init: RequestInit,
  { signal, timeoutMs = QUERY_TIMEOUT_MS }: RequestOptions = {},
): Promise<{ response: Response; body: unknown }> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const combined = signal === undefined ? timeout : AbortSignal.any([signal, timeout]);
  const path = url.split('?')[0]!;
  const headers = new Headers(init.headers);
  const key = storedKey();
  if (key !== undefined && !headers.has('Authorization')) headers.set('Authorization', `Bearer ${key}`);
  let response: Response;
  try {
    response = await fetch(url, { ...init, headers, signal: combined });
  } catch (error) {
    if (signal?.aborted) throw error;
    if (timeout.aborted) throw timedOut(path, timeoutMs);
    // fetch rejects only when no HTTP answer arrived at all.
    throw new ApiError({
      kind: 'network',
      title: 'Cannot reach the gateway',
      message: `The request to ${path} failed before any answer arrived (${errorMessage(error)}). Check that the gateway is running and the network is up.`,
    });
  }
  let body: unknown;
  try {
    body = (response.headers.get('content-type') ?? '').includes('json') ? await response.json() : undefined;
  } catch (error) {
    if (signal?.aborted) throw error;
    if (timeout.aborted) throw timedOut(path, timeoutMs);
    body = undefined;
  }
  return { response, body };
}

/** The message of anything thrown. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function timedOut(path: string, timeoutMs: number): ApiError {
  return new ApiError({ kind: 'timeout', title: 'The gateway did not answer in time', message: `No answer to ${path} within ${timeoutMs / 1000} s.` });
}

interface ErrorBody {
  error?: { code?: unknown; message?: unknown; details?: unknown };
}

/** An error answer `{"error":{"code","message","details":[{field}]}}` as an ApiError. */
export function httpError(response: Pick<Response, 'status' | 'statusText'>, body: unknown): ApiError {
  const error = (body as ErrorBody | undefined)?.error ?? {};
  const status = response.status;
  const reason = typeof error.message === 'string' && error.message !== '' ? error.message : response.statusText || 'no reason given';
  const code = typeof error.code === 'string' ? error.code : undefined;
  const message = `${reason} (HTTP ${status}${code ? ` ${code}` : ''})`;
  const details: unknown[] = Array.isArray(error.details) ? error.details : [];
  const field = details.map((detail) => (detail as { field?: unknown } | null)?.field).find((name): name is string => typeof name === 'string');
  if (status === 400) return new ApiError({ kind: 'invalid', title: 'Invalid selection', message, status, code, field });
  if (status === 401 || status === 403) return new ApiError({ kind: 'unauthorized', title: 'Not allowed', message, status, code });
  if (status === 404) return new ApiError({ kind: 'not-found', title: 'Not found', message, status, code });
  if (status === 503) return new ApiError({ kind: 'unavailable', title: 'The meter-usage backend is unavailable', message, status, code });
  if (status === 504) return new ApiError({ kind: 'timeout', title: 'The meter-usage backend did not answer in time', message, status, code });
  return new ApiError({ kind: 'http', title: `The gateway answered with an error`, message, status, code });
}
