import { createHash } from 'node:crypto';
import type { DatabaseHandle } from '../db/connection';
import type { MeterRow } from '../meters/meters.repository';
import { INSTANT_LIMITS } from '../meters/resolve-range';
import type { EstimateRecord, UploadRecordReport } from '../uploads/upload-record';
import { completeUploadRecord, openUploadRecord } from '../uploads/uploads.repository';
import { linearEstimates, profileEstimates, type EstimationInput } from './estimation';
import { storedValues, writeEstimates } from './estimate.repository';
import { writeWithMetersLocked, type LockedWriteDeps } from './locked-write';

export interface EstimateRequest {
  meter: MeterRow;
  /** The range, on the meter's grid: [firstSlotMs, firstSlotMs + slotCount · interval). */
  firstSlotMs: number;
  slotCount: number;
  method: 'linear' | 'profile';
  maxGapIntervals: number;
  timeZone: string;
  profileWeeks: number;
  dryRun: boolean;
  caller: string;
  receivedAt: Date;
}

/**
 * One estimation run: with the meter locked, reads the range (and what the method looks at around
 * it: the neighbours of a gap, or the previous weeks), computes the estimates (estimation.ts) and,
 * unless it is a dry run or finds nothing to estimate, writes them as an upload of its own (source
 * "estimate"), which can be listed and reverted like any other.
 */
export async function estimateReadings(database: DatabaseHandle, request: EstimateRequest, deps: LockedWriteDeps): Promise<EstimateRecord> {
  const { meter } = request;
  const stepMs = meter.interval_seconds * 1000;
  const endMs = request.firstSlotMs + request.slotCount * stepMs;
  const lookBackMs = request.method === 'linear' ? stepMs : request.profileWeeks * 7 * 86_400_000 + 2 * 3_600_000;
  return writeWithMetersLocked(database, [meter.meter_id], deps, async (client) => {
    // What the method looks at around the range, within the instants PostgreSQL and the API take
    // (a range starting on 0001-01-01 has nothing before it to read).
    const readFromMs = Math.max(request.firstSlotMs - lookBackMs, INSTANT_LIMITS.minMs);
    const readToMs = Math.min(endMs + stepMs, INSTANT_LIMITS.maxMs);
    const stored = await storedValues(client, meter.meter_id, readFromMs, readToMs);
    const input: EstimationInput = { firstSlotMs: request.firstSlotMs, slotCount: request.slotCount, stepMs, stored };
    const outcome =
      request.method === 'linear' ? linearEstimates(input, request.maxGapIntervals) : profileEstimates(input, request.timeZone, request.profileWeeks);
    const report: EstimateRecord = {
      meterId: meter.meter_id,
      uploadId: '',
      dryRun: request.dryRun,
      method: request.method,
      gaps: outcome.gaps,
      estimated: outcome.estimates.length,
      leftEmpty: outcome.gaps - outcome.estimates.length,
    };
    if (request.dryRun || outcome.estimates.length === 0) return { result: report, commit: false };

    const runId = await openUploadRecord(client, {
      receivedAt: request.receivedAt,
      source: 'estimate',
      caller: request.caller,
      fileName: '',
      sha256: createHash('sha256')
        .update(JSON.stringify({ meter: meter.meter_id, from: request.firstSlotMs, to: endMs, method: request.method }))
        .digest('hex'),
      options: {
        meterId: meter.meter_id,
        unit: '',
        timeZone: request.timeZone,
        onConflict: '',
        mode: '',
        timeLabel: '',
        sourceName: `${request.method} estimation`,
      },
      meterIds: [meter.meter_id],
    });
    const counts = await writeEstimates(client, meter.meter_id, runId, outcome.estimates);
    const done = { ...report, uploadId: runId };
    const firstStartMs = outcome.estimates[0]!.startMs;
    const lastEndMs = outcome.estimates[outcome.estimates.length - 1]!.startMs + stepMs;
    await completeUploadRecord(client, runId, recordReportOfEstimate(done, counts, { firstStartMs, lastEndMs }));
    return { result: done, commit: true, changed: { meterIds: [meter.meter_id], firstStartMs, lastEndMs } };
  });
}

function recordReportOfEstimate(
  estimate: EstimateRecord,
  counts: { inserted: number; updated: number },
  span: { firstStartMs: number; lastEndMs: number },
): UploadRecordReport {
  return {
    committed: true,
    accepted: estimate.estimated,
    inserted: counts.inserted,
    updated: counts.updated,
    unchanged: 0,
    skipped: 0,
    rejected: 0,
    errors: [],
    meters: [{ meterId: estimate.meterId, created: false, inserted: counts.inserted, updated: counts.updated, unchanged: 0, skipped: 0, rejected: 0 }],
    meterCount: 1,
    metersCreated: [],
    metersCreatedCount: 0,
    ...span,
    estimate,
  };
}
