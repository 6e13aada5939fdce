// The gateway's HTTP API (README "HTTP API"), with every failure turned into an ApiError that
// says what happened: the gateway unreachable, the backend unavailable, an invalid request.

/** Longer than the gateway's own gRPC deadline (10 s), so its 504 body normally arrives first. */
const QUERY_TIMEOUT_MS = 20_000;
/** Matches the gateway's GRPC_STREAM_DEADLINE_MS default for uploads. */
const UPLOAD_TIMEOUT_MS = 600_000;

export class ApiError extends Error {
  /**
   * @param {object} details
   * @param {'network'|'timeout'|'unavailable'|'invalid'|'not-found'|'unauthorized'|'http'} details.kind
   * @param {string} details.title  one line for the user: what failed
   * @param {string} details.message  the reason, as precise as the gateway gave it
   * @param {number} [details.status]  HTTP status, when an answer arrived
   * @param {string} [details.field]  the query parameter a 400 names
   */
  constructor({ kind, title, message, status, code, field }) {
    super(message);
    this.name = 'ApiError';
    Object.assign(this, { kind, title, status, code, field });
  }
}

/** "/api/usage?meter=m&bucket=day": undefined values are left out. */
export function apiUrl(path, params = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') query.set(key, value);
  const text = query.toString();
  return text === '' ? path : `${path}?${text}`;
}

export function getMeters(options) {
  return request('/api/meters', {}, options);
}

/** The zones the API accepts as tz (GET /api/time-zones). */
export function getTimeZones(options) {
  return request('/api/time-zones', {}, options);
}

export function getSummary({ meter, from, to, tz }, options) {
  return request('/api/summary', { meter, from, to, tz }, options);
}

export function getUsage({ meter, from, to, tz, bucket }, options) {
  return request('/api/usage', { meter, from, to, tz, bucket }, options);
}

/** The CSV download of a selection (a link, not a fetch: the browser streams it to disk). */
export function exportUrl({ meter, from, to, tz }) {
  return apiUrl('/api/export', { meter, from, to, tz, format: 'csv' });
}

/**
 * Sends a CSV file as the request body (streamed by the browser). Resolves with the ingest
 * report for 200 (written) and 422 (rows rejected, nothing written); other answers throw.
 */
export async function uploadCsv(file, { meter, on_conflict, mode, tz, token }, options = {}) {
  const headers = { 'Content-Type': 'text/csv' };
  if (token) headers.Authorization = `Bearer ${token}`; // gateways with INGEST_TOKEN set require it
  const { response, body } = await send(
    apiUrl('/api/readings', { meter, on_conflict, mode, tz }),
    { method: 'POST', headers, body: file },
    { timeoutMs: UPLOAD_TIMEOUT_MS, ...options },
  );
  if (response.status === 200 || response.status === 422) return body;
  throw httpError(response, body);
}

async function request(path, params, options = {}) {
  const { response, body } = await send(apiUrl(path, params), { headers: { Accept: 'application/json' }, cache: 'no-store' }, options);
  if (!response.ok) throw httpError(response, body);
  if (body === undefined) {
    throw new ApiError({ kind: 'http', title: 'Unexpected answer from the gateway', message: `${path} did not answer with JSON (HTTP ${response.status})`, status: response.status });
  }
  return body;
}

/** fetch with a timeout; the caller's AbortSignal cancels quietly (the AbortError propagates). */
async function send(url, init, { signal, timeoutMs = QUERY_TIMEOUT_MS } = {}) {
  const timeout = AbortSignal.timeout(timeoutMs);
  const combined = signal === undefined ? timeout : AbortSignal.any([signal, timeout]);
  const path = url.split('?')[0];
  let response;
  try {
    response = await fetch(url, { ...init, signal: combined });
  } catch (error) {
    if (signal?.aborted) throw error;
    if (timeout.aborted) throw timedOut(path, timeoutMs);
    // fetch rejects only when no HTTP answer arrived at all.
    throw new ApiError({
      kind: 'network',
      title: 'Cannot reach the gateway',
      message: `The request to ${path} failed before any answer arrived (${error.message}). Check that the gateway is running and the network is up.`,
    });
  }
  let body;
  try {
    body = (response.headers.get('content-type') ?? '').includes('json') ? await response.json() : undefined;
  } catch (error) {
    if (signal?.aborted) throw error;
    if (timeout.aborted) throw timedOut(path, timeoutMs);
    body = undefined;
  }
  return { response, body };
}

function timedOut(path, timeoutMs) {
  return new ApiError({ kind: 'timeout', title: 'The gateway did not answer in time', message: `No answer to ${path} within ${timeoutMs / 1000} s.` });
}

/** An error answer `{"error":{"code","message","details":[{field}]}}` as an ApiError. */
function httpError(response, body) {
  const error = body?.error ?? {};
  const status = response.status;
  const reason = typeof error.message === 'string' && error.message !== '' ? error.message : response.statusText || 'no reason given';
  const code = typeof error.code === 'string' ? error.code : undefined;
  const message = `${reason} (HTTP ${status}${code ? ` ${code}` : ''})`;
  const field = Array.isArray(error.details) ? error.details.find((detail) => typeof detail?.field === 'string')?.field : undefined;
  if (status === 400) return new ApiError({ kind: 'invalid', title: 'Invalid selection', message, status, code, field });
  if (status === 401 || status === 403) return new ApiError({ kind: 'unauthorized', title: 'Not allowed', message, status, code });
  if (status === 404) return new ApiError({ kind: 'not-found', title: 'Not found', message, status, code });
  if (status === 503) return new ApiError({ kind: 'unavailable', title: 'The meter-usage backend is unavailable', message, status, code });
  if (status === 504) return new ApiError({ kind: 'timeout', title: 'The meter-usage backend did not answer in time', message, status, code });
  return new ApiError({ kind: 'http', title: `The gateway answered with an error`, message, status, code });
}
