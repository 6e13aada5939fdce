import type pg from 'pg';
import { isMeterId, METER_DEFAULTS, type TimeLabelName } from '@meterusage/meters';
import { AbortedError, InvalidArgumentError, PermissionDeniedError, SettingConflictError } from '../errors';
import type { CsvRecord } from './csv-row-reader';
import type { MeterTiming, ReadingValidator } from './reading-validator';
import { createMissingMeters, lockMeterUnlessHeld, lockMeters, meterSettings } from './staging.repository';

/** What an upload states about its meters (undefined: not stated). */
export interface MeterSettingsStated {
  unit: string | undefined;
  timeLabel: TimeLabelName | undefined;
  /** Most meters the upload may create. */
  maxNewMeters: number;
  /** The meters the uploader's key may write: one outside them ends the upload, nothing written. */
  writeGrant: WriteGrant;
}

/** The meters a caller may write, and its key's name for the refusal. */
export interface WriteGrant {
  keyName: string;
  allows(meterId: string): boolean;
}

interface StoredMeter {
  unit: string;
  intervalSeconds: number;
  timeLabel: TimeLabelName;
}

/**
 * The meters of one upload, on its connection and inside its transaction: their stored settings,
 * looked up slice by slice as the file names them (work in the meters of the upload, not of the
 * fleet), the timing the validator reads each meter's rows with, and at the end their creation,
 * locking and the check for meters another upload created meanwhile.
 */
export class UploadMeters {
  private readonly stored = new Map<string, StoredMeter>();
  private readonly lookedUp = new Set<string>();
  private newMeters = 0;
  /** Meters this upload created (lockOne may create one before the rest). */
  private readonly createdHere = new Set<string>();
  /** What a meter this upload creates gets. */
  private readonly newMeterTiming: MeterTiming;

  constructor(
    private readonly client: pg.PoolClient,
    private readonly stated: MeterSettingsStated,
  ) {
    this.newMeterTiming = { intervalSeconds: METER_DEFAULTS.intervalSeconds, timeLabel: stated.timeLabel ?? METER_DEFAULTS.timeLabel };
  }

  /**
   * Looks up the stored settings of the meters `records` name that were not looked up yet, before
   * the validator asks for them. On the upload's connection (a second one per upload could run
   * the pool dry): the COPY pauses for it, in slices naming new ids.
   */
  async lookUp(records: CsvRecord[], validator: ReadingValidator, copy: { pause(): Promise<void> }): Promise<void> {
    const named = new Set<string>();
    validator.collectMeterIds(records, named);
    const unknown = [...named].filter((meterId) => !this.lookedUp.has(meterId) && isMeterId(meterId));
    if (unknown.length === 0) return;
    for (const meterId of unknown) this.lookedUp.add(meterId);
    await copy.pause();
    for (const meter of await meterSettings(this.client, unknown)) this.stored.set(meter.meterId, meter);
  }

  /** The interval of a meter as looked up (or as this upload creates it), without timingOf's checks and counting. */
  intervalSecondsOf(meterId: string): number {
    return this.stored.get(meterId)?.intervalSeconds ?? this.newMeterTiming.intervalSeconds;
  }

  /**
   * The timing of a meter's rows, asked once per meter on its first row: a settings conflict or
   * one new meter too many ends the upload there, before anything is written and without reading
   * the rest.
   */
  timingOf(meterId: string): MeterTiming {
    requireWriteGrant(this.stated.writeGrant, meterId);
    const meter = this.stored.get(meterId);
    if (meter === undefined) {
      this.newMeters += 1;
      if (this.newMeters > this.stated.maxNewMeters) throw tooManyNewMeters(this.stated.maxNewMeters);
      return this.newMeterTiming;
    }
    const conflict = settingConflict(meterId, meter, this.stated, '');
    if (conflict !== undefined) throw conflict;
    return { intervalSeconds: meter.intervalSeconds, timeLabel: meter.timeLabel };
  }

  /**
   * Creates the upload's new meters, then locks all of its meters in meter order, so the checks
   * and the write that follow see readings no other upload changes before this one commits.
   * Returns the meters created. A meter unknown when this upload started that it did not create
   * either was created by a concurrent upload meanwhile, perhaps with other settings than the rows
   * were read with: then nothing is written (409 either way: ALREADY_EXISTS for a setting the
   * upload states, which sending again cannot fix; ABORTED for one it assumed, which sending again
   * reads right).
   */
  async createAndLock(meterIds: string[]): Promise<string[]> {
    const newMeterIds = meterIds.filter((meterId) => !this.stored.has(meterId) && !this.createdHere.has(meterId));
    const unit = this.stated.unit ?? METER_DEFAULTS.unit;
    const metersCreated = newMeterIds.length > 0 ? await createMissingMeters(this.client, newMeterIds, unit, this.newMeterTiming.timeLabel) : [];
    await lockMeters(this.client, meterIds);
    for (const meterId of metersCreated) this.createdHere.add(meterId);
    const createdElsewhere = newMeterIds.filter((meterId) => !this.createdHere.has(meterId));
    for (const meter of createdElsewhere.length > 0 ? await meterSettings(this.client, createdElsewhere) : []) {
      const conflict = settingConflict(meter.meterId, meter, this.stated, ' (created by another upload while this one was read)');
      if (conflict !== undefined) throw conflict;
      if (meter.intervalSeconds !== this.newMeterTiming.intervalSeconds || meter.timeLabel !== this.newMeterTiming.timeLabel) {
        throw new AbortedError(
          `meter "${meter.meterId}" was created by another upload while this one was read (interval ${meter.intervalSeconds} s, times label the interval ${meter.timeLabel}); nothing was written: send the file again`,
        );
      }
    }
    return meterIds.filter((meterId) => this.createdHere.has(meterId));
  }

  /**
   * createAndLock for the one meter of an upload before the rest of its file is read (direct
   * append), without waiting for an upload that holds a stored meter: false then. A new meter
   * another upload is creating at the same moment is waited for, as createAndLock would.
   */
  async lockOne(meterId: string): Promise<boolean> {
    if (!this.stored.has(meterId)) {
      await this.createAndLock([meterId]);
      return true;
    }
    return lockMeterUnlessHeld(this.client, meterId);
  }
}

/** The setting (unit, time label) the upload states differently from a stored meter, as a 409; undefined when they agree. */
function settingConflict(meterId: string, meter: StoredMeter, stated: MeterSettingsStated, how: string): SettingConflictError | undefined {
  if (stated.unit !== undefined && stated.unit !== meter.unit) {
    return new SettingConflictError('unit', `the upload says ${stated.unit}, meter "${meterId}"${how} has ${meter.unit}; nothing was written`);
  }
  if (stated.timeLabel !== undefined && stated.timeLabel !== meter.timeLabel) {
    return new SettingConflictError('time_label', `the upload says ${stated.timeLabel}, meter "${meterId}"${how} has ${meter.timeLabel}; nothing was written`);
  }
  return undefined;
}

/** Every meter: the grant of grpc-server's own writes (the start-up seed). */
export const EVERY_METER: WriteGrant = Object.freeze({ keyName: 'grpc-server', allows: () => true });

/**
 * PERMISSION_DENIED for a meter outside the uploader's grants. The same words whether the meter
 * exists or not: the key's own grants are all it learns.
 */
export function requireWriteGrant(grant: WriteGrant, meterId: string): void {
  if (!grant.allows(meterId)) {
    throw new PermissionDeniedError(
      `the API key "${grant.keyName}" may not write meter "${meterId}"; nothing was written (a whole upload is refused if any meter in it is)`,
    );
  }
}

function tooManyNewMeters(limit: number): InvalidArgumentError {
  return new InvalidArgumentError(
    'meter_id',
    `the file names more than ${limit} new meters, the most one upload may create (MAX_NEW_METERS_PER_UPLOAD = ${limit}); nothing was written: split the file or raise the limit`,
  );
}
