// The load bench's upload scenario: the largest upload the limits admit (a file naming
// MAX_NEW_METERS_PER_UPLOAD meters that do not exist yet, one reading each) sent at a steady pace
// while the route mix runs, and a prober timing GET /api/meters and GET /readyz separately while an
// upload is in flight and between uploads: the target is p99 < 1 s for both during uploads.
import { request as httpRequest } from 'node:http';
import type { Recorder } from './load-driver';

export const UPLOAD_ROUTE = 'POST /api/readings (largest admitted upload)';
const PROBE_INTERVAL_MS = 100;
const PROBED = ['/api/meters', '/readyz'] as const;

/** The probe route label of a path, by whether an upload was in flight when it was sent. */
export const probeRoute = (path: string, duringUpload: boolean) => `GET ${path} (probe, ${duringUpload ? 'during upload' : 'between uploads'})`;

/**
 * Sends `uploads` uploads of `newMeters` new meters each, one every seconds/uploads s, and probes
 * the two routes every 100 ms until the last upload is answered; records everything in `recorder`.
 */
export async function runUploadScenario(options: {
  baseUrl: URL;
  recorder: Recorder;
  seconds: number;
  uploads: number;
  newMeters: number;
  timeoutMs: number;
}): Promise<void> {
  const { baseUrl, recorder } = options;
  let inFlight = 0;
  let done = false;
  const prober = (async () => {
    for (let turn = 0; !done; turn += 1) {
      const path = PROBED[turn % PROBED.length]!;
      const during = inFlight > 0;
      await recorder.measure(probeRoute(path, during), [200], () => send(baseUrl, 'GET', path, undefined, options.timeoutMs));
      await new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS));
    }
  })();
  const spacingMs = (options.seconds * 1000) / options.uploads;
  const startedAt = performance.now();
  for (let upload = 0; upload < options.uploads; upload += 1) {
    const waitMs = startedAt + upload * spacingMs - performance.now();
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    const rows = Array.from({ length: options.newMeters }, (_, index) => `bench-new-${upload}-${index},2019-01-01 00:15:00,1`);
    const body = Buffer.from(`meter_id,time,meterusage\n${rows.join('\n')}\n`);
    inFlight += 1;
    await recorder.measure(UPLOAD_ROUTE, [200], () => send(baseUrl, 'POST', '/api/readings', body, options.timeoutMs));
    inFlight -= 1;
  }
  done = true;
  await prober;
}

function send(baseUrl: URL, method: string, path: string, body: Buffer | undefined, timeoutMs: number): Promise<{ status: number }> {
  return new Promise((resolve, reject) => {
    const headers = body === undefined ? {} : { 'content-type': 'text/csv', 'content-length': String(body.length) };
    // A fresh connection per request: the probe must not queue behind the mix's keep-alive sockets.
    const request = httpRequest(new URL(path, baseUrl), { method, headers, timeout: timeoutMs }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0 }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(Object.assign(new Error('no answer in time'), { code: 'timeout' })));
    request.on('error', reject);
    request.end(body);
  });
}
