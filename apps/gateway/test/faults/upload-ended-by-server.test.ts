import { connect } from 'node:net';
import { rawJsonBody, startHttpStack, type HttpStack } from '../support/http-stack';
import { countReadings, report, since, syntheticCsv, waitForCopy } from './support';

// An upload grpc-server ends itself says why through the gateway (issue #10 item 8): one whose
// client stalls gets 504 "no data for N s; nothing written" (it used to say the gateway's unary
// deadline, "did not answer within 10000 ms"), and one still running when shutdown's grace period
// is over gets 503 "server shutting down; nothing written, send the upload again" (it used to be
// 499, as if the client had cancelled). Neither writes a row.

const IDLE_TIMEOUT_MS = 3_000;
const GRACE_MS = 500;

/**
 * A POST /api/readings over a raw socket that sends its headers and the first half of the CSV,
 * then nothing more; resolves with the whole answer once the gateway closes the connection.
 */
function stalledUpload(baseUrl: URL, meterId: string, csv: string): Promise<string> {
  const body = Buffer.from(csv);
  const head = `POST /api/readings?meter=${meterId} HTTP/1.1\r\nHost: test\r\nContent-Type: text/csv\r\nContent-Length: ${body.length}\r\n\r\n`;
  return new Promise((resolve, reject) => {
    const socket = connect(Number(baseUrl.port), baseUrl.hostname, () => socket.write(Buffer.concat([Buffer.from(head), body.subarray(0, body.length / 2)])));
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(new Error('no answer in 30 s')), 30_000);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

describe('faults: an upload grpc-server ends (stalled client, shutdown) answers why, through the gateway', () => {
  let stack: HttpStack;

  beforeAll(async () => {
    stack = await startHttpStack('faults_upload_ended', { grpcEnv: { UPLOAD_IDLE_TIMEOUT_MS: String(IDLE_TIMEOUT_MS) } });
  }, 90_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('a client that stops sending gets 504 "no data for 3 s; nothing written", and nothing is written', async () => {
    const rowsBefore = await countReadings(stack.database.url);
    const startedAt = performance.now();
    const answer = await stalledUpload(stack.baseUrl, 'stalled-upload', syntheticCsv(20_000));
    expect(answer).toMatch(/^HTTP\/1\.1 504 /);
    expect(answer).toMatch(/\r\nconnection: close\r\n/i);
    expect(rawJsonBody(answer)).toEqual({ error: { code: 'DEADLINE_EXCEEDED', message: 'no data for 3 s; nothing written, send the upload again' } });
    expect(await stack.storedRows('stalled-upload')).toBe(0);
    expect(await countReadings(stack.database.url)).toBe(rowsBefore);
    report('upload stalled', { answered: since(startedAt) });
  }, 60_000);
});

describe('faults: an upload still running when grpc-server shuts down', () => {
  let stack: HttpStack;

  // Its own stack: an idle timeout far beyond the test, so only the shutdown can end the upload
  // (the status and message say which did), and grpc-server is stopped by the test.
  beforeAll(async () => {
    stack = await startHttpStack('faults_upload_shutdown', { grpcEnv: { UPLOAD_IDLE_TIMEOUT_MS: '600000', SHUTDOWN_GRACE_MS: String(GRACE_MS) } });
  }, 90_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('gets 503 "server shutting down" once the grace period ends, and nothing is written', async () => {
    const rowsBefore = await countReadings(stack.database.url);
    const answer = stalledUpload(stack.baseUrl, 'shutdown-upload', syntheticCsv(20_000, '2032-01-01T00:15:00Z'));
    await waitForCopy(stack.database.url);
    const signalAt = performance.now();
    stack.grpcServer.child.kill('SIGTERM');
    const text = await answer;
    expect(text).toMatch(/^HTTP\/1\.1 503 /);
    expect(rawJsonBody(text)).toEqual({ error: { code: 'UNAVAILABLE', message: 'server shutting down; nothing written, send the upload again' } });
    expect(await stack.grpcServer.exited).toBe(0);
    expect(await countReadings(stack.database.url, 'shutdown-upload')).toBe(0);
    expect(await countReadings(stack.database.url)).toBe(rowsBefore);
    const messages = stack.grpcServer.logs.map((line) => line.msg);
    expect(messages).toContain('grace period over; cancelling remaining calls');
    report('upload ended by shutdown', { answered: since(signalAt) });
  }, 60_000);
});
