import { badRequestViolations, encodeBadRequestStatus } from './index';
import { Status } from './gen/google/rpc/status';

describe('status details (google.rpc.Status with a BadRequest)', () => {
  it('round-trips field violations through the trailer bytes', () => {
    const violations = [
      { field: 'time_zone', description: '"Mars" is not an IANA time zone' },
      { field: 'page_size', description: 'must be at most 10000, got 20000' },
    ];
    expect(badRequestViolations(encodeBadRequestStatus(3, 'time_zone: bad', violations))).toEqual(violations);
  });

  it('packs the BadRequest in an Any with the standard type URL, beside the code and message', () => {
    const status = Status.decode(encodeBadRequestStatus(3, 'page_size: bad', [{ field: 'page_size', description: 'bad' }]));
    expect({ code: status.code, message: status.message, typeUrls: status.details.map((detail) => detail.typeUrl) }).toEqual({
      code: 3,
      message: 'page_size: bad',
      typeUrls: ['type.googleapis.com/google.rpc.BadRequest'],
    });
  });

  it('reads no violations from an absent or unreadable trailer', () => {
    expect(badRequestViolations(undefined)).toEqual([]);
    expect(badRequestViolations(Buffer.from([0xff, 0xff, 0xff]))).toEqual([]);
  });
});
