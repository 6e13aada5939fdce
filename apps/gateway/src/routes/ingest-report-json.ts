import type { IngestReport } from '@meterusage/contracts';
import { toIsoSeconds } from './json-mapping';

// An upload's report in JSON: the answer of POST /api/readings and part of an upload's record.

export const reportSchema = {
  type: 'object',
  required: [
    'committed',
    'accepted',
    'inserted',
    'updated',
    'unchanged',
    'skipped',
    'rejected',
    'errors',
    'meters',
    'meterCount',
    'metersCreated',
    'metersCreatedCount',
  ],
  properties: {
    meterId: { type: 'string', description: 'The one meter the upload targeted; absent for a multi-meter upload (see meters).' },
    committed: { type: 'boolean', description: 'False: nothing was written.' },
    accepted: { type: 'integer' },
    inserted: { type: 'integer' },
    updated: { type: 'integer' },
    unchanged: { type: 'integer' },
    skipped: { type: 'integer' },
    rejected: { type: 'integer' },
    errors: {
      type: 'array',
      description: 'The first 100 rejections.',
      items: { type: 'object', properties: { line: { type: 'integer' }, field: { type: 'string' }, reason: { type: 'string' } } },
    },
    meters: {
      type: 'array',
      description: 'Counts per meter the upload named: the first 100 by meter id.',
      items: {
        type: 'object',
        required: ['meterId', 'created', 'inserted', 'updated', 'unchanged', 'skipped', 'rejected'],
        properties: {
          meterId: { type: 'string' },
          created: { type: 'boolean' },
          inserted: { type: 'integer' },
          updated: { type: 'integer' },
          unchanged: { type: 'integer' },
          skipped: { type: 'integer' },
          rejected: { type: 'integer' },
        },
      },
    },
    meterCount: { type: 'integer', description: 'Meters the upload named (meters lists the first 100).' },
    metersCreated: { type: 'array', items: { type: 'string' }, description: 'Meters the upload created: the first 100 by meter id.' },
    metersCreatedCount: { type: 'integer', description: 'Meters the upload created.' },
    firstIntervalStart: { type: 'string', format: 'date-time' },
    lastIntervalEnd: { type: 'string', format: 'date-time' },
    uploadId: { type: 'string', description: "Id of the upload's record (GET /api/uploads/{id}); absent when nothing was written." },
  },
} as const;

/** The report as JSON; meterId is the one meter the upload targeted (empty: a multi-meter upload). */
export function toReportJson(meterId: string, report: IngestReport | undefined) {
  return {
    meterId: meterId === '' ? undefined : meterId,
    committed: report?.committed ?? false,
    accepted: report?.accepted ?? 0,
    inserted: report?.inserted ?? 0,
    updated: report?.updated ?? 0,
    unchanged: report?.unchanged ?? 0,
    skipped: report?.skipped ?? 0,
    rejected: report?.rejected ?? 0,
    errors: report?.errors ?? [],
    meters: (report?.meters ?? []).map((meter) => ({
      meterId: meter.meterId,
      created: meter.created,
      inserted: meter.inserted,
      updated: meter.updated,
      unchanged: meter.unchanged,
      skipped: meter.skipped,
      rejected: meter.rejected,
    })),
    meterCount: report?.meterCount ?? 0,
    metersCreated: report?.metersCreated ?? [],
    metersCreatedCount: report?.metersCreatedCount ?? 0,
    firstIntervalStart: toIsoSeconds(report?.firstIntervalStart),
    lastIntervalEnd: toIsoSeconds(report?.lastIntervalEnd),
    uploadId: report?.uploadId || undefined,
  };
}
