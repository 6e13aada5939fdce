import type { FieldViolation } from './error-body';

// grpc-server names request fields as the proto does (snake_case); the HTTP API names them as its
// query parameters. The one table between the two; fields named alike on both sides (page_size,
// page_token, unit, on_conflict, mode, time_label) need no entry.
const HTTP_FIELD_OF: Readonly<Record<string, string>> = Object.freeze({
  meter_id: 'meter',
  start_time: 'from',
  end_time: 'to',
  time_zone: 'tz',
  bucket_width: 'bucket',
  slot_width: 'bucket',
  day_group: 'group',
  operating_hours: 'schedule',
  upload_id: 'id',
  max_gap_intervals: 'max_gap',
  profile_weeks: 'weeks',
});

// A description may name other fields of the request ("must be before end_time"): those are renamed too.
const PROTO_FIELD_WORD = new RegExp(`\\b(${Object.keys(HTTP_FIELD_OF).join('|')})\\b`, 'g');

/** The HTTP query parameter of a proto request field: time_zone → tz; a field without an entry keeps its name. */
export function httpFieldOf(protoField: string): string {
  return HTTP_FIELD_OF[protoField] ?? protoField;
}

/** A field violation grpc-server sent, in the HTTP API's names: its field and the fields its description names. */
export function toHttpViolation(violation: FieldViolation): FieldViolation {
  return { field: httpFieldOf(violation.field), description: violation.description.replace(PROTO_FIELD_WORD, (name) => httpFieldOf(name)) };
}
