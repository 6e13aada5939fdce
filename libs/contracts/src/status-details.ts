import { Any } from './gen/google/protobuf/any';
import { BadRequest } from './gen/google/rpc/error_details';
import { Status } from './gen/google/rpc/status';

// gRPC's rich error model: a status may carry a serialised google.rpc.Status, whose details are
// google.protobuf.Any messages, in the trailer below. grpc-server sends a google.rpc.BadRequest
// there for every INVALID_ARGUMENT; any gRPC client (buf curl included) can read it.

/** Trailing-metadata key of the binary google.rpc.Status (the "-bin" suffix: base64 on the wire). */
export const STATUS_DETAILS_TRAILER = 'grpc-status-details-bin';

const BAD_REQUEST_TYPE_URL = 'type.googleapis.com/google.rpc.BadRequest';

/** One invalid request field: its proto field name (snake_case, e.g. time_zone) and what is wrong with it. */
export interface FieldViolation {
  field: string;
  description: string;
}

/** The google.rpc.Status bytes for the details trailer of an INVALID_ARGUMENT status: a BadRequest listing each violation. */
export function encodeBadRequestStatus(code: number, message: string, violations: readonly FieldViolation[]): Buffer {
  const badRequest = BadRequest.fromPartial({ fieldViolations: violations.map(({ field, description }) => ({ field, description })) });
  const detail: Any = { typeUrl: BAD_REQUEST_TYPE_URL, value: Buffer.from(BadRequest.encode(badRequest).finish()) };
  return Buffer.from(Status.encode({ code, message, details: [detail] }).finish());
}

/** The field violations of the BadRequest details in a status-details trailer; none when absent or unreadable. */
export function badRequestViolations(statusDetails: Uint8Array | undefined): FieldViolation[] {
  if (statusDetails === undefined) return [];
  try {
    return Status.decode(statusDetails)
      .details.filter((detail) => detail.typeUrl === BAD_REQUEST_TYPE_URL)
      .flatMap((detail) => BadRequest.decode(detail.value).fieldViolations)
      .map(({ field, description }) => ({ field, description }));
  } catch {
    return []; // not a google.rpc.Status: the status message alone still says what is wrong
  }
}
