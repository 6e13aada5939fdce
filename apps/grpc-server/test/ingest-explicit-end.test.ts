import { status, type ServiceError } from '@grpc/grpc-js';
import { IngestOptions, type IngestReadingsRequest, type IngestReadingsResponse } from '@meterusage/contracts';
import fc from 'fast-check';
import { openMigratedDatabase, type MigratedDatabase } from './support/database';
import { startTestGrpc, type TestGrpc } from './support/grpc';

// An upload with options.explicit_end commits only after its end message. grpc-js can report a
// cancelled call's stream as ended before it reports the cancel, so without the message a part of
// a file could commit; the gateway sets it for every HTTP upload. Generated files, cut anywhere,
// sent with and without the message, against what PostgreSQL holds afterwards.

/** How the stream of an upload closes. */
type Ending = 'end message' | 'no end message' | 'end message, then a chunk';

describe('IngestReadings with explicit_end', () => {
  let handle: MigratedDatabase;
  let grpc: TestGrpc;
  let uploads = 0;

  beforeAll(async () => {
    handle = await openMigratedDatabase('ingest_explicit_end');
    grpc = await startTestGrpc(handle, 'meter-1');
  }, 60_000);
  afterAll(async () => {
    await grpc?.close();
    await handle?.close();
  });

  /** Sends options, the CSV cut at the given offsets, then closes the stream as ending says. */
  function send(csv: Buffer, cuts: number[], options: Partial<IngestOptions>, ending: Ending): Promise<IngestReadingsResponse> {
    return new Promise((resolve, reject) => {
      const call = grpc.client.ingestReadings((error, response) => (error ? reject(error) : resolve(response)));
      const write = (payload: IngestReadingsRequest['payload']) => call.write({ payload });
      write({ $case: 'options', value: IngestOptions.fromPartial(options) });
      const offsets = [...new Set([0, ...cuts.map((cut) => cut % (csv.length + 1)), csv.length])].sort((a, b) => a - b);
      for (let index = 1; index < offsets.length; index++) write({ $case: 'chunk', value: csv.subarray(offsets[index - 1], offsets[index]) });
      if (ending !== 'no end message') write({ $case: 'end', value: {} });
      if (ending === 'end message, then a chunk') write({ $case: 'chunk', value: Buffer.from('2019-02-01 00:00:00,1\n') });
      call.end();
    });
  }

  const storedRows = async (meterId: string) =>
    Number((await handle.database.pool.query('select count(*) from readings where meter_id = $1', [meterId])).rows[0].count);
  const meterExists = async (meterId: string) => (await handle.database.pool.query('select 1 from meters where meter_id = $1', [meterId])).rowCount === 1;

  const file = fc.array(fc.tuple(fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 0, max: 99_999 })), { minLength: 1, maxLength: 40 }).map((rows) => {
    const quarters = [...new Map(rows.map(([quarter, value]) => [quarter, value])).entries()];
    const lines = quarters.map(([quarter, value]) => `${new Date(Date.UTC(2019, 0, 1) + quarter * 900_000).toISOString()},${value / 100}`);
    return { csv: Buffer.from(`time,meterusage\n${lines.join('\n')}\n`), rows: quarters.length };
  });

  it('commits a whole file only after its end message, and nothing of a stream that closes without it or sends more after it', async () => {
    await fc.assert(
      fc.asyncProperty(
        file,
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.constantFrom<Ending>('end message', 'no end message', 'end message, then a chunk'),
        async ({ csv, rows }, cuts, ending) => {
          const meterId = `end-${++uploads}`;
          const sent = send(csv, cuts, { meterId, explicitEnd: true }, ending);
          if (ending === 'end message') {
            expect((await sent).report).toMatchObject({ committed: true, inserted: rows });
            expect(await storedRows(meterId)).toBe(rows);
            return;
          }
          const error = (await sent.then(
            () => undefined,
            (refusal: unknown) => refusal,
          )) as ServiceError | undefined;
          expect(error).toMatchObject({ code: status.INVALID_ARGUMENT });
          expect(error!.details).toMatch(ending === 'no end message' ? /closed without its end message/ : /nothing may follow the end message/);
          // Rolled back whole: not a row, and not the meter the upload would have created.
          expect(await storedRows(meterId)).toBe(0);
          expect(await meterExists(meterId)).toBe(false);
        },
      ),
      { numRuns: 60 },
    );
  }, 120_000);

  it('refuses a message without a payload, or a second options message, naming the field, and writes nothing', async () => {
    const refusal = (payloads: IngestReadingsRequest['payload'][]) =>
      new Promise<ServiceError>((resolve, reject) => {
        const call = grpc.client.ingestReadings((error) => (error ? resolve(error) : reject(new Error('the upload was accepted'))));
        call.write({ payload: { $case: 'options', value: IngestOptions.fromPartial({ meterId: 'payloads', explicitEnd: true }) } });
        call.write({ payload: { $case: 'chunk', value: Buffer.from('time,meterusage\n2019-01-01 00:15:00,1\n') } });
        for (const payload of payloads) call.write({ payload });
        call.end();
      });
    expect(await refusal([undefined, { $case: 'end', value: {} }])).toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringMatching(/^payload: /),
    });
    const second = { $case: 'options', value: IngestOptions.fromPartial({}) } as const;
    expect(await refusal([second, { $case: 'end', value: {} }])).toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(/^options: /) });
    expect([await storedRows('payloads'), await meterExists('payloads')]).toEqual([0, false]);
  });

  it('keeps the old contract without explicit_end: the end of the stream ends the upload, and an end message is accepted', async () => {
    const csv = Buffer.from('time,meterusage\n2019-01-01 00:15:00,1\n2019-01-01 00:30:00,2\n');
    expect((await send(csv, [7], { meterId: 'implicit-1' }, 'no end message')).report).toMatchObject({ committed: true, inserted: 2 });
    expect((await send(csv, [7], { meterId: 'implicit-2' }, 'end message')).report).toMatchObject({ committed: true, inserted: 2 });
    expect([await storedRows('implicit-1'), await storedRows('implicit-2')]).toEqual([2, 2]);
  });
});
