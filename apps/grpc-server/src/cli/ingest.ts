#!/usr/bin/env node
// meterusage-ingest: streams a CSV file to grpc-server's IngestReadings and prints the report.
//   pnpm ingest --file readings.csv --meter m1 [--target host:port] [...]   (from the repository root)
// Not through nx: its task runner turns every failed task into exit status 1, hiding 1/2/3 below.
import { credentials, Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { once } from 'node:events';
import { createReadStream, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { IngestOptions, MeterUsageServiceClient, TimeLabel, type IngestReadingsResponse } from '@meterusage/contracts';
import {
  CONFLICT_POLICIES,
  DEFAULT_CONFLICT_POLICY,
  DEFAULT_INGEST_MODE,
  INGEST_MODES,
  METER_DEFAULTS,
  TIME_LABELS,
  type EnumOptions,
} from '@meterusage/meters';
import { ProgressBar } from './progress';

const USAGE = `usage: meterusage-ingest --file FILE [options]
  --file FILE              CSV to load (time,meterusage[,meter_id]); required
  --meter ID               the one meter to load into: rows whose meter_id column names another
                           meter are rejected. Without it, a meter_id column loads each row into
                           the meter it names; a file without one goes to the server's default meter
  --unit UNIT              unit of the file's values: meters it creates get it, existing ones must
                           have it (else refused, nothing written); default ${METER_DEFAULTS.unit} for new meters
  --time-label LABEL       ${TIME_LABELS.choices}: which end of its interval a time names; existing meters
                           must have it (default: each meter's own, ${METER_DEFAULTS.timeLabel} for new meters)
  --tz ZONE                IANA zone of times without an offset (default: the server's CSV_TIMEZONE)
  --on-conflict POLICY     ${CONFLICT_POLICIES.choices} (default ${DEFAULT_CONFLICT_POLICY})
  --mode MODE              ${INGEST_MODES.choices} (default ${DEFAULT_INGEST_MODE})
  --target HOST:PORT       grpc-server (default: $GRPC_TARGET or localhost:50051)
  --json                   print the report as JSON on stdout
environment: METERUSAGE_API_KEY  the secret of an API key with the write scope, sent as
                           "authorization: Bearer …" (needed when grpc-server runs AUTH_MODE=keys;
                           an environment variable, not a flag, so it stays out of process lists)
exit status: 0 written, 1 rejected rows (nothing written in atomic mode) or a settings conflict (nothing written),
  2 usage error or refused options (e.g. too many new meters), 3 server unreachable or failed,
  4 refused by access control (no key, an invalid key, or one not allowed to write these meters)`;

const CHUNK_BYTES = 1024 * 1024;

function fail(message: string): never {
  process.stderr.write(`meterusage-ingest: ${message}\n\n${USAGE}\n`);
  process.exit(2);
}

/** The enum value of a flag's option name; exits with a usage error for another name. */
function optionValue<Name extends string, Value extends number>(flag: string, options: EnumOptions<Name, Value>, raw: string): Value {
  return options.valueNamed(raw) ?? fail(`--${flag} must be ${options.choices}, got "${raw}"`);
}

function parseOptions() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        file: { type: 'string' },
        meter: { type: 'string', default: '' },
        unit: { type: 'string', default: '' },
        tz: { type: 'string', default: '' },
        'on-conflict': { type: 'string', default: DEFAULT_CONFLICT_POLICY },
        mode: { type: 'string', default: DEFAULT_INGEST_MODE },
        'time-label': { type: 'string' },
        target: { type: 'string', default: process.env.GRPC_TARGET ?? 'localhost:50051' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (error) {
    fail((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  if (values.file === undefined) fail('--file is required');
  const onConflict = optionValue('on-conflict', CONFLICT_POLICIES, values['on-conflict']);
  const mode = optionValue('mode', INGEST_MODES, values.mode);
  const label = values['time-label'];
  const timeLabel = label === undefined ? TimeLabel.TIME_LABEL_UNSPECIFIED : optionValue('time-label', TIME_LABELS, label);
  let size: number;
  try {
    size = statSync(values.file).size;
  } catch (error) {
    fail(`cannot read ${values.file}: ${(error as NodeJS.ErrnoException).code}`);
  }
  return {
    file: values.file,
    size,
    target: values.target,
    json: values.json,
    options: IngestOptions.fromPartial({
      meterId: values.meter,
      unit: values.unit,
      timeZone: values.tz,
      onConflict,
      mode,
      timeLabel,
      sourceName: values.file,
      client: 'meterusage-ingest',
      fileName: path.basename(values.file),
      // Committed only after the end message, sent once the whole file was read: a read that
      // fails halfway cancels the call, and a cancel can never commit a part of the file.
      explicitEnd: true,
    }),
  };
}

async function main(): Promise<void> {
  const { file, size, target, json, options } = parseOptions();
  const client = new MeterUsageServiceClient(target, credentials.createInsecure(), { 'grpc.max_send_message_length': 8 * CHUNK_BYTES });
  const progress = new ProgressBar(size);
  const startedAt = performance.now();
  let sentBytes = 0;
  let rows = 0;
  const response = await new Promise<IngestReadingsResponse>((resolve, reject) => {
    const metadata = new Metadata();
    const apiKey = process.env.METERUSAGE_API_KEY?.trim();
    if (apiKey !== undefined && apiKey !== '') metadata.set('authorization', `Bearer ${apiKey}`);
    const call = client.ingestReadings(metadata, { deadline: Date.now() + 24 * 3_600_000 }, (error, result) => (error ? reject(error) : resolve(result)));
    call.write({ payload: { $case: 'options', value: options } });
    void (async () => {
      for await (const chunk of createReadStream(file, { highWaterMark: CHUNK_BYTES })) {
        const bytes = chunk as Buffer;
        sentBytes += bytes.length;
        for (let at = bytes.indexOf(10); at >= 0; at = bytes.indexOf(10, at + 1)) rows += 1;
        if (!call.write({ payload: { $case: 'chunk', value: bytes } })) await once(call, 'drain');
        progress.update(sentBytes, rows);
      }
      progress.update(sentBytes, rows, true);
      call.write({ payload: { $case: 'end', value: {} } });
      call.end();
    })().catch((error: unknown) => {
      call.cancel();
      reject(error instanceof Error ? error : new Error(String(error)));
    });
  }).catch((error: ServiceError) => {
    const reason = error.code === GrpcStatus.UNAVAILABLE ? `grpc-server at ${target} is unreachable` : (error.details ?? error.message);
    process.stderr.write(`\nmeterusage-ingest: ${reason}\n`);
    const conflict = error.code === GrpcStatus.ALREADY_EXISTS || error.code === GrpcStatus.ABORTED;
    const refused = error.code === GrpcStatus.UNAUTHENTICATED || error.code === GrpcStatus.PERMISSION_DENIED;
    process.exit(error.code === GrpcStatus.INVALID_ARGUMENT ? 2 : conflict ? 1 : refused ? 4 : 3);
  });
  client.close();

  const seconds = (performance.now() - startedAt) / 1000;
  const report = response.report!;
  if (json) process.stdout.write(`${JSON.stringify({ meterId: response.meterId, seconds, ...report })}\n`);
  progress.finish(
    `${report.committed ? `written (upload ${report.uploadId})` : 'NOTHING WRITTEN'}: ${report.accepted} accepted (${report.inserted} inserted, ${report.updated} updated, ` +
      `${report.unchanged} unchanged, ${report.skipped} skipped), ${report.rejected} rejected; ${seconds.toFixed(1)} s, ` +
      `${Math.round(report.accepted / seconds).toLocaleString('en-US')} rows/s` +
      (report.metersCreatedCount > 0
        ? `; ${report.metersCreatedCount} new meter(s): ${report.metersCreated.join(', ')}${report.metersCreatedCount > report.metersCreated.length ? ', …' : ''}`
        : ''),
  );
  if (response.meterId === '' || report.meterCount > 1) {
    for (const meter of report.meters) {
      process.stderr.write(
        `  meter ${meter.meterId}${meter.created ? ' (new)' : ''}: ${meter.inserted} inserted, ${meter.updated} updated, ${meter.unchanged} unchanged, ${meter.skipped} skipped, ${meter.rejected} rejected\n`,
      );
    }
    if (report.meterCount > report.meters.length) process.stderr.write(`  … and ${report.meterCount - report.meters.length} more meters\n`);
  }
  for (const error of report.errors) process.stderr.write(`  line ${error.line} (${error.field}): ${error.reason}\n`);
  if (report.rejected > report.errors.length) process.stderr.write(`  … and ${report.rejected - report.errors.length} more\n`);
  process.exit(report.committed && report.rejected === 0 ? 0 : 1);
}

void main();
