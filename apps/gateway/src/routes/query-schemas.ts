// JSON schemas of the query parameters shared by the /api routes. Fastify validates every query
// against them (unknown parameters included) before a handler runs; each becomes OpenAPI.

// A meter id's rule (1 to 64 letters, digits, '.', '_', ':' or '-') is grpc-server's: its refusal
// comes back naming meter. Only emptiness is refused here: in gRPC an empty id means the default
// meter, which over HTTP is asked for by leaving meter out.
export const meterParam = {
  type: 'string',
  minLength: 1,
  description: "Meter id: 1 to 64 letters, digits, '.', '_', ':' or '-'; omitted = the default meter (METER_ID of grpc-server).",
} as const;

const instantOrDate = (description: string) =>
  ({
    type: 'string',
    anyOf: [{ format: 'date-time' }, { format: 'date' }],
    description: `${description} RFC 3339 timestamp (2019-01-01T00:00:00Z) or date (2019-01-01 = local midnight in tz).`,
  }) as const;

/** A range of a meter's intervals, as every range route takes it. */
export const plainRangeParams = {
  meter: meterParam,
  from: instantOrDate("Inclusive start of the range; omitted = the meter's first interval."),
  to: instantOrDate("Exclusive end of the range; omitted = the meter's last interval end."),
  tz: { type: 'string', minLength: 1, maxLength: 64, default: 'UTC', description: 'IANA time zone of plain dates (and of buckets), e.g. Europe/Amsterdam.' },
} as const;

/** A range as the reads take it: as it stands now, or as it stood at as_of. */
export const rangeParams = {
  ...plainRangeParams,
  as_of: instantOrDate(
    'Read the data as it stood at this instant (every upload whose committedAt is at or before it, none after); omitted = now; not in the future.',
  ),
} as const;

/** A querystring schema that refuses parameters it does not list. */
export function querySchema<Properties extends Record<string, unknown>>(properties: Properties) {
  return { type: 'object', properties, additionalProperties: false } as const;
}

/** Query of every range route, after validation (tz has its default). */
export interface RangeQuery {
  meter?: string;
  from?: string;
  to?: string;
  tz: string;
  as_of?: string;
}
