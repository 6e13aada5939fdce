import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import fc from 'fast-check';
import { badRequestViolations, BucketWidth, MeterUsageServiceClient, Quantity, STATUS_DETAILS_TRAILER, type FieldViolation } from '@meterusage/contracts';
import { isValidTimeZone } from '@meterusage/time';
import { toHttpViolation } from '../src/errors';
import { startAppStack, type AppStack } from './support/app-stack';

// The server is the one judge of meaning, and says which field is wrong in a structured way: for
// generated invalid parameters, grpc-server's status carries a google.rpc.BadRequest naming the
// proto field (asked over gRPC directly), and the gateway's 400 names the HTTP parameter in its
// details (asked over HTTP, in process). Real grpc-server, real PostgreSQL.

const METER_ID = /^[A-Za-z0-9._:-]{1,64}$/;
const NUM_RUNS = 60;

interface ErrorJson {
  error: { code: string; message: string; details?: FieldViolation[] };
}

type Method = 'listReadings' | 'aggregateUsage' | 'getUsageSummary';

/** One invalid request, as the HTTP query and as the gRPC request the gateway would send for it. */
interface Case {
  httpPath: string;
  query: Record<string, string>;
  method: Method;
  request: Record<string, unknown>;
  protoField: string;
  httpField: string;
  /** Whether grpc-server (not the gateway's schema or zone check) refuses it over HTTP, so both texts must agree. */
  judgedByServer: boolean;
}

/** What a string is once sent: UTF-8 on the wire turns a lone surrogate into U+FFFD on both paths. */
const wire = (text: string) => Buffer.from(text, 'utf8').toString('utf8');

const ROUTES: Record<Method, string> = { listReadings: '/api/readings', aggregateUsage: '/api/usage', getUsageSummary: '/api/summary' };
const method = fc.constantFrom<Method>('listReadings', 'aggregateUsage', 'getUsageSummary');
/** The gRPC fields every request of a method needs besides the one under test. */
const BASE: Record<Method, Record<string, unknown>> = {
  listReadings: { meterId: '', pageSize: 0, pageToken: '' },
  aggregateUsage: { meterId: '', bucketWidth: BucketWidth.BUCKET_WIDTH_DAY, timeZone: 'UTC', quantity: Quantity.QUANTITY_ENERGY },
  getUsageSummary: { meterId: '', timeZone: '', operatingHours: [] },
};

const badMeter: fc.Arbitrary<Case> = fc
  .tuple(method, fc.oneof(fc.string({ minLength: 1, maxLength: 80 }), fc.constantFrom('a b', 'x'.repeat(65), 'meter/1', 'zähler', 'a\u0000b', '..\\x')))
  .map(([rpc, meter]) => [rpc, wire(meter)] as const)
  .filter(([, meter]) => meter !== '' && !METER_ID.test(meter))
  .map(([rpc, meter]) => ({
    httpPath: ROUTES[rpc],
    query: { meter },
    method: rpc,
    request: { ...BASE[rpc], meterId: meter },
    protoField: 'meter_id',
    httpField: 'meter',
    judgedByServer: true,
  }));

const instant = fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true });
const invertedRange: fc.Arbitrary<Case> = fc.tuple(method, instant, instant).map(([rpc, a, b]) => {
  const [start, end] = a >= b ? [a, b] : [b, a];
  return {
    httpPath: ROUTES[rpc],
    query: { from: start.toISOString(), to: end.toISOString() },
    method: rpc,
    request: { ...BASE[rpc], startTime: start, endTime: end },
    protoField: 'start_time',
    httpField: 'from',
    judgedByServer: true,
  };
});

const badPageToken: fc.Arbitrary<Case> = fc.string({ minLength: 1, maxLength: 200, unit: 'grapheme-ascii' }).map((token) => ({
  httpPath: '/api/readings',
  query: { page_token: token },
  method: 'listReadings',
  request: { ...BASE.listReadings, pageToken: token },
  protoField: 'page_token',
  httpField: 'page_token',
  judgedByServer: true,
}));

const badTimeZone: fc.Arbitrary<Case> = fc
  .oneof(fc.string({ minLength: 1, maxLength: 64 }), fc.constantFrom('Mars/Olympus', 'US/Pacific-New', 'Factory', 'EST5EDT,M3.2.0,M11.1.0', 'utc '))
  .map(wire)
  .filter((zone) => zone.length >= 1 && zone.length <= 64 && !isValidTimeZone(zone))
  .map((zone) => ({
    httpPath: '/api/usage',
    query: { tz: zone },
    method: 'aggregateUsage',
    request: { ...BASE.aggregateUsage, timeZone: zone },
    protoField: 'time_zone',
    httpField: 'tz',
    judgedByServer: false, // the gateway resolves plain dates in tz, so it checks tz before any call
  }));

const badPageSize: fc.Arbitrary<Case> = fc.oneof(fc.integer({ min: 10_001, max: 2 ** 31 - 1 }), fc.integer({ min: -(2 ** 31), max: -1 })).map((pageSize) => ({
  httpPath: '/api/readings',
  query: { page_size: String(pageSize) },
  method: 'listReadings',
  request: { ...BASE.listReadings, pageSize },
  protoField: 'page_size',
  httpField: 'page_size',
  judgedByServer: false, // HTTP's page_size schema states its range (0 is refused there too)
}));

const invalidCase = fc.oneof(badMeter, invertedRange, badPageToken, badTimeZone, badPageSize);

describe('field violations: grpc-server names the proto field in a BadRequest, the gateway names the HTTP parameter', () => {
  let stack: AppStack;
  let client: MeterUsageServiceClient;

  beforeAll(async () => {
    stack = await startAppStack('gateway_field_violations');
    client = new MeterUsageServiceClient(`127.0.0.1:${stack.grpcServer.port}`, credentials.createInsecure());
  }, 60_000);
  afterAll(async () => {
    client?.close();
    await stack?.close();
  });

  /** The call's INVALID_ARGUMENT status: its code, message and the BadRequest field violations of its details. */
  const grpcRefusal = (testCase: Case) =>
    new Promise<{ code: number; message: string; violations: FieldViolation[] }>((resolve, reject) => {
      const call = client[testCase.method].bind(client) as (
        request: unknown,
        metadata: Metadata,
        options: object,
        callback: (error: ServiceError | null) => void,
      ) => void;
      call(testCase.request, new Metadata(), { deadline: Date.now() + 10_000 }, (error) => {
        if (error === null) return reject(new Error(`accepted: ${JSON.stringify(testCase.request)}`));
        const details = error.metadata.get(STATUS_DETAILS_TRAILER)[0];
        resolve({ code: error.code, message: error.details, violations: badRequestViolations(details as Buffer | undefined) });
      });
    });

  it('for any invalid parameter, the gRPC status has a BadRequest naming the proto field and the HTTP 400 names the parameter', async () => {
    const kinds = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(invalidCase, async (testCase) => {
        kinds.set(testCase.protoField, (kinds.get(testCase.protoField) ?? 0) + 1);
        const grpc = await grpcRefusal(testCase);
        expect({ code: grpc.code, fields: grpc.violations.map((violation) => violation.field) }).toEqual({ code: 3, fields: [testCase.protoField] });
        expect(grpc.message).toBe(`${testCase.protoField}: ${grpc.violations[0]!.description}`);

        const response = await stack.app.inject({ method: 'GET', url: testCase.httpPath, query: testCase.query });
        const body = response.json<ErrorJson>();
        expect({ status: response.statusCode, code: body.error.code, fields: body.error.details?.map((detail) => detail.field) }).toEqual({
          status: 400,
          code: 'INVALID_ARGUMENT',
          fields: [testCase.httpField],
        });
        expect(body.error.message).toBe(`${testCase.httpField}: ${body.error.details![0]!.description}`);
        // Refused by grpc-server over HTTP too: the gateway's detail is the server's, renamed by the one table.
        if (testCase.judgedByServer) expect(body.error.details).toEqual(grpc.violations.map(toHttpViolation));
      }),
      { numRuns: NUM_RUNS },
    );
    expect([...kinds.keys()].sort()).toEqual(['meter_id', 'page_size', 'page_token', 'start_time', 'time_zone']);
  }, 120_000);

  it('for any malformed meter id, an upload is refused with the same 400 as a read (one rule, one wording)', async () => {
    await fc.assert(
      fc.asyncProperty(badMeter, async ({ query }) => {
        const read = await stack.app.inject({ method: 'GET', url: '/api/readings', query });
        const upload = await stack.app.inject({
          method: 'POST',
          url: '/api/readings',
          query,
          headers: { 'content-type': 'text/csv' },
          payload: 'time,meterusage\n2019-01-01 00:15:00,1\n',
        });
        expect([upload.statusCode, upload.json<ErrorJson>()]).toEqual([400, read.json<ErrorJson>()]);
        expect(read.json<ErrorJson>().error.details?.[0]?.description).toContain(`got "`);
      }),
      { numRuns: 30 },
    );
  }, 120_000);

  it('an inverted range names from even for a meter that does not exist (the request is judged before the lookup)', async () => {
    for (const path of ['/api/readings', '/api/export', '/api/usage', '/api/summary']) {
      const response = await stack.app.inject({ method: 'GET', url: `${path}?meter=no-such-meter&from=2019-02-01&to=2019-01-01` });
      expect([path, response.statusCode, response.json<ErrorJson>().error.details]).toEqual([
        path,
        400,
        [{ field: 'from', description: 'must be before to (2019-02-01T00:00:00.000Z is not before 2019-01-01T00:00:00.000Z)' }],
      ]);
    }
  });
});
