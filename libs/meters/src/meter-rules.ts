/** Meter ids are short, URL- and file-name-safe tokens. Migration 0001 holds a frozen copy as a CHECK. */
export const METER_ID_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;

/** What METER_ID_PATTERN accepts, in words: the end of every "not a meter id" message. */
export const METER_ID_RULE = "1 to 64 letters, digits, '.', '_', ':' or '-'";

/** Whether a string is a well-formed meter id (whether the meter exists is the database's answer). */
export function isMeterId(value: string): boolean {
  return METER_ID_PATTERN.test(value);
}

/** A unit of usage values: kWh, m³, %… (letters, digits, a few signs), at most 16 characters. */
export const UNIT_PATTERN = /^[\p{L}\p{N}_/.·²³%-]{1,16}$/u;

/** What UNIT_PATTERN accepts, in words. */
export const UNIT_RULE = '1 to 16 letters, digits or one of _ / . - %';

/** Which end of its interval a reading's time names. */
export type TimeLabelName = 'start' | 'end';

/**
 * Settings of a meter an upload creates without stating them, and the column defaults of the
 * meters table (migration 0001 holds a frozen copy).
 */
export const METER_DEFAULTS: Readonly<{ unit: string; intervalSeconds: number; timeLabel: TimeLabelName }> = Object.freeze({
  unit: 'kWh',
  intervalSeconds: 900,
  timeLabel: 'end',
});
