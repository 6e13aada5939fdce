import { status, type ServiceError } from '@grpc/grpc-js';
import { ConflictPolicy, IngestMode, type GetDataVersionResponse } from '@meterusage/contracts';
import { SAMPLE_CSV_PATH } from '@meterusage/testing';
import { seedFromCsv } from '../src/ingest/seed';
import { openMigratedDatabase, plainStorageDeps, type MigratedDatabase } from './support/database';
import { startTestGrpc, upload, type TestGrpc } from './support/grpc';

// GetDataVersion: a meter's version changes with every committed write that changes its readings,
// in the same transaction, and with nothing else. Every kind of write is tried through the real
// server (IngestReadings, which the HTTP upload and the CLI both call) and the start-up seed.

const file = (lines: string[], header = 'time,meterusage') => `${header}\n${lines.join('\n')}\n`;
const quarter = (index: number, value: string) => `${new Date(Date.UTC(2021, 0, 1, 0, 15 * (index + 1))).toISOString()},${value}`;

describe('GetDataVersion over a real gRPC server and PostgreSQL', () => {
  let handle: MigratedDatabase;
  let grpc: TestGrpc;

  beforeAll(async () => {
    handle = await openMigratedDatabase('data_version');
    grpc = await startTestGrpc(handle, 'meter-1');
  }, 60_000);
  afterAll(async () => {
    await grpc?.close();
    await handle?.close();
  });

  const versionOf = (meterId: string) => grpc.call<{ meterId: string }, GetDataVersionResponse>(grpc.client.getDataVersion, { meterId });
  const send = (meterId: string, lines: string[], options: { onConflict?: ConflictPolicy; mode?: IngestMode } = {}) =>
    upload(grpc.client, file(lines), { meterId, ...options });

  it('is given to a meter when the seed creates it, and names the default meter for an empty id', async () => {
    await seedFromCsv(handle.database, { csvPath: SAMPLE_CSV_PATH, meterId: 'meter-1', timeZone: 'UTC' }, plainStorageDeps);
    const byDefault = await versionOf('');
    expect(byDefault).toEqual({ meterId: 'meter-1', dataVersion: expect.any(Number) });
    expect(byDefault.dataVersion).toBeGreaterThan(0);
    expect(await versionOf('meter-1')).toEqual(byDefault);
  });

  it('changes with every write that changes readings: append, merge insert, update, skip with new rows', async () => {
    const seen: number[] = [];
    const expectNew = async () => {
      const { dataVersion } = await versionOf('v-1');
      expect(seen).not.toContain(dataVersion);
      seen.push(dataVersion);
    };
    await send('v-1', [quarter(0, '1'), quarter(1, '2')]); // creates the meter: append
    await expectNew();
    await send('v-1', [quarter(2, '3')]); // append after the stored rows
    await expectNew();
    await send('v-1', [quarter(1, '2'), quarter(3, '4')]); // merge: one equal row, one new
    await expectNew();
    await send('v-1', [quarter(0, '9')]); // update
    await expectNew();
    await send('v-1', [quarter(0, '1'), quarter(4, '5')], { onConflict: ConflictPolicy.CONFLICT_POLICY_SKIP }); // skip keeps 9, inserts index 4
    await expectNew();
    expect(seen).toEqual([...seen].sort((a, b) => a - b)); // later writes, larger versions
  });

  it('stays the same when nothing changed: equal rows, skipped conflicts, rolled-back and refused uploads', async () => {
    const before = await versionOf('v-1');
    await send('v-1', [quarter(0, '9'), quarter(1, '2')]); // every row equal to what is stored
    await send('v-1', [quarter(0, '7')], { onConflict: ConflictPolicy.CONFLICT_POLICY_SKIP }); // stored value wins
    const rejected = await send('v-1', [quarter(0, '8')], { onConflict: ConflictPolicy.CONFLICT_POLICY_REJECT });
    expect(rejected.report?.committed).toBe(false);
    const invalid = await send('v-1', [quarter(5, '5'), 'not-a-time,1'], { mode: IngestMode.INGEST_MODE_ATOMIC });
    expect(invalid.report?.committed).toBe(false);
    expect(await versionOf('v-1')).toEqual(before);
  });

  it('changes only for the meters an upload changed', async () => {
    await send('v-2', [quarter(0, '1')]);
    const [one, two] = [await versionOf('v-1'), await versionOf('v-2')];
    const multi = 'meter_id,time,meterusage\n' + [`v-1,${quarter(0, '9')}`, `v-2,${quarter(1, '2')}`].join('\n') + '\n';
    expect((await upload(grpc.client, multi, {})).report).toMatchObject({ committed: true, inserted: 1, unchanged: 1 });
    expect(await versionOf('v-1')).toEqual(one); // its row was equal
    expect((await versionOf('v-2')).dataVersion).toBeGreaterThan(two.dataVersion);
  });

  it('renews every meter of a multi-meter upload, past the 100 its report lists', async () => {
    const meters = Array.from({ length: 150 }, (_, index) => `many-${String(index).padStart(3, '0')}`);
    const firstFile = 'meter_id,time,meterusage\n' + meters.map((meter) => `${meter},${quarter(0, '1')}`).join('\n') + '\n';
    await upload(grpc.client, firstFile, {});
    const before = await Promise.all(meters.map(versionOf));
    const secondFile = 'meter_id,time,meterusage\n' + meters.map((meter) => `${meter},${quarter(1, '2')}`).join('\n') + '\n';
    expect((await upload(grpc.client, secondFile, {})).report?.meters).toHaveLength(100);
    const after = await Promise.all(meters.map(versionOf));
    expect(after.filter((version, index) => version.dataVersion > before[index]!.dataVersion)).toHaveLength(150);
  });

  it('refuses a malformed id and an unknown meter as every read does', async () => {
    const failure = async (meterId: string) => (await versionOf(meterId).catch((error: ServiceError) => error)) as ServiceError;
    expect(await failure('bad id!')).toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(/^meter_id: must be /) });
    expect(await failure('no-such-meter')).toMatchObject({ code: status.NOT_FOUND, details: expect.stringContaining('no-such-meter') });
  });
});
