import fc from 'fast-check';
import { ExportFormat, ExportReadingsResponse } from '../gen/meterusage/v1/meter_usage_service';
import { ReadingQuality, readingQualityToJSON } from '../gen/meterusage/v1/reading';
import type { ReadingFields } from '../reading-wire';
import { encodeExportLines, exportLineWriter, exportMeterBytes, type ExportLineFormat } from './export-lines';
import { isoSecondsOfMs, RFC3339_EARLIEST_MS, RFC3339_LATEST_MS } from './iso-seconds';
import { TextSink } from './text-sink';

// The export's line writers against the lines written from strings the plain way: String() of the
// value, isoSecondsOfMs of each time, JSON.stringify of the NDJSON object.

const instantMs = fc.oneof(
  fc.integer({ min: RFC3339_EARLIEST_MS / 1000, max: Math.floor(RFC3339_LATEST_MS / 1000) }).map((seconds) => seconds * 1000),
  fc.integer({ min: RFC3339_EARLIEST_MS, max: RFC3339_LATEST_MS }),
);
const reading: fc.Arbitrary<ReadingFields> = fc.record({
  timeMs: instantMs,
  startMs: instantMs,
  endMs: instantMs,
  usage: fc.option(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0, -0, 1e21, 5e-324, 55.09, 0.1 + 0.2, 1e-7)), {
    nil: undefined,
  }),
  missing: fc.boolean(),
  quality: fc.constantFrom(...(Object.values(ReadingQuality).filter((value) => typeof value === 'number') as number[]), 7),
  uploadId: fc.oneof(fc.constant(''), fc.stringMatching(/^[1-9][0-9]{0,18}$/)),
});
const meterId = fc.stringMatching(/^[A-Za-z0-9._:-]{1,64}$/);

const csvLine = (meter: string, r: ReadingFields) =>
  `${meter},${isoSecondsOfMs(r.timeMs!)},${isoSecondsOfMs(r.startMs!)},${isoSecondsOfMs(r.endMs!)},${r.usage === undefined ? '' : String(r.usage)},${readingQualityToJSON(r.quality)}\n`;
const ndjsonLine = (meter: string, r: ReadingFields) =>
  `${JSON.stringify({
    meterId: meter,
    time: isoSecondsOfMs(r.timeMs!),
    start: isoSecondsOfMs(r.startMs!),
    end: isoSecondsOfMs(r.endMs!),
    usage: r.usage,
    missing: r.missing,
    quality: readingQualityToJSON(r.quality),
    uploadId: r.uploadId === '' ? undefined : r.uploadId,
  })}\n`;

function linesOf(format: ExportLineFormat, meter: string, list: ReadingFields[]): string {
  const out = new TextSink();
  const write = exportLineWriter(format);
  const meterBytes = exportMeterBytes(meter, format);
  for (const item of list) write(out, meterBytes, item);
  return Buffer.concat(out.finish()).toString('utf8');
}

describe('export lines', () => {
  it('writes the CSV and NDJSON lines the plain string forms make', () => {
    fc.assert(
      fc.property(meterId, fc.array(reading, { maxLength: 40 }), (meter, list) => {
        expect(linesOf(ExportFormat.EXPORT_FORMAT_CSV, meter, list)).toBe(list.map((item) => csvLine(meter, item)).join(''));
        expect(linesOf(ExportFormat.EXPORT_FORMAT_NDJSON, meter, list)).toBe(list.map((item) => ndjsonLine(meter, item)).join(''));
      }),
      { numRuns: 300 },
    );
  });

  it("writes a value's given text in place of String(value), from inside a larger buffer", () => {
    fc.assert(
      fc.property(meterId, fc.array(reading, { maxLength: 20 }), fc.string({ maxLength: 5 }), (meter, list, padding) => {
        for (const format of [ExportFormat.EXPORT_FORMAT_CSV, ExportFormat.EXPORT_FORMAT_NDJSON] as const) {
          const out = new TextSink();
          const write = exportLineWriter(format);
          const meterBytes = exportMeterBytes(meter, format);
          for (const item of list) {
            if (item.usage === undefined) write(out, meterBytes, item);
            else {
              const bytes = Buffer.from(`${padding}${String(item.usage)}${padding}`, 'latin1');
              const start = Buffer.byteLength(padding, 'latin1');
              write(out, meterBytes, { ...item, usage: 0 }, { bytes, start, end: bytes.length - start });
            }
          }
          expect(Buffer.concat(out.finish()).toString('utf8')).toBe(linesOf(format, meter, list));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('counts what it has written, across chunks', () => {
    const out = new TextSink();
    const write = exportLineWriter(ExportFormat.EXPORT_FORMAT_CSV);
    const meterBytes = exportMeterBytes('meter-1', ExportFormat.EXPORT_FORMAT_CSV);
    const sample: ReadingFields = { timeMs: 0, startMs: 0, endMs: 900_000, usage: 1.5, missing: false, quality: 1, uploadId: '' };
    for (let index = 0; index < 5000; index++) write(out, meterBytes, sample);
    const length = out.length;
    expect(length).toBe(Buffer.concat(out.finish()).length);
    expect(length).toBeGreaterThan(64 * 1024);
  });
});

describe('encodeExportLines', () => {
  it('makes the bytes of the generated encoding, with the lines joined', () => {
    const parts = fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 6 });
    fc.assert(
      fc.property(fc.string(), fc.string(), parts, (meter, unit, lines) => {
        const joined = Buffer.concat(lines);
        const expected = ExportReadingsResponse.encode({ meterId: meter, unit, readings: [], lines: joined }).finish();
        expect(Buffer.from(encodeExportLines(meter, unit, lines)).equals(Buffer.from(expected))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('writes a length of several varint bytes for a large message', () => {
    const lines = [Buffer.alloc(300_000, 65), Buffer.alloc(5, 10)];
    expect(ExportReadingsResponse.decode(encodeExportLines('m', 'kWh', lines)).lines).toEqual(new Uint8Array(Buffer.concat(lines)));
  });
});
