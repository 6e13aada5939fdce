import { BinaryReader } from '@bufbuild/protobuf/wire';

// The answers a cache may keep (GetMetrics, ListReadings, AggregateUsage, GetUsageSummary,
// GetLoadProfile) all carry the meter as field 1 and its data version as field 15, so a client
// holding one as bytes reads both without decoding the bulk of it.

const METER_ID_FIELD = 1;
const DATA_VERSION_FIELD = 15;
const VARINT = 0;
const LENGTH_DELIMITED = 2;

/** The meter_id and data_version of an encoded answer (0 when it has none: a grpc-server older than the field). */
export function answerVersionOf(bytes: Uint8Array): { meterId: string; dataVersion: number } {
  const reader = new BinaryReader(bytes);
  let meterId = '';
  let dataVersion = 0;
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (field === METER_ID_FIELD && wireType === LENGTH_DELIMITED) meterId = reader.string();
    else if (field === DATA_VERSION_FIELD && wireType === VARINT) dataVersion = Number(reader.int64());
    else reader.skip(wireType);
  }
  return { meterId, dataVersion };
}
