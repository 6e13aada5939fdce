import { status } from '@grpc/grpc-js';
import { openMigratedDatabase, type MigratedDatabase } from './support/database';
import { startTestGrpc, type TestGrpc } from './support/grpc';

describe('the serving gate of MeterUsageService', () => {
  let handle: MigratedDatabase;
  let grpc: TestGrpc;

  beforeAll(async () => {
    handle = await openMigratedDatabase('serving_gate');
    grpc = await startTestGrpc(handle); // SERVING
  }, 60_000);
  afterAll(async () => {
    await grpc.close();
    await handle.close();
  }, 60_000);

  const listMeters = () => grpc.call(grpc.client.listMeters, {});

  it('keeps running calls while readiness follows a failed database check, and refuses them as "shutting down" once shutdown began', async () => {
    await expect(listMeters()).resolves.toMatchObject({ meters: [] });
    // A failed database check flips readiness, not the gate: the call meets the database's own answer.
    grpc.server.setServing(false);
    await expect(listMeters()).resolves.toMatchObject({ meters: [] });
    grpc.server.setServing(true);

    grpc.server.beginShutdown();
    await expect(listMeters()).rejects.toMatchObject({ code: status.UNAVAILABLE, details: 'shutting down: this server takes no new calls; retry shortly' });
    await expect(grpc.exportAll({ meterId: 'meter-1' })).rejects.toMatchObject({
      code: status.UNAVAILABLE,
      details: expect.stringMatching(/^shutting down: /),
    });
    // Shutdown is final: a late SERVING (a start-up racing the shutdown) does not reopen the gate.
    grpc.server.setServing(true);
    await expect(listMeters()).rejects.toMatchObject({ code: status.UNAVAILABLE });
  }, 60_000);
});
