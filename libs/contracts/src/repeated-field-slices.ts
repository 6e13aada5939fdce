import { BinaryReader, type BinaryWriter } from '@bufbuild/protobuf/wire';
import { slicer, SLICE_MS } from './event-loop-slices';
import { ProtoSink } from './proto-sink';

// Large answers (a year in 15-minute buckets, a long meter's readings) are encoded and decoded a
// slice of SLICE_MS at a time (event-loop-slices.ts), with each element of the big repeated field
// as plain numbers rather than a message of Dates. The other fields are written first, then the
// repeated one (a message's encoding followed by more encoded fields is the encoding of the merged
// message): the very bytes of the generated encode() when the repeated field has the highest
// number, the same fields in another order (which decode() reads alike) otherwise.

// How often (in elements) the clock is read; an element takes a few microseconds.
const ELEMENTS_PER_CLOCK_READ = 64;

/** A generated message codec (ts-proto's), for the fields other than the repeated one. */
export interface MessageCodec<Message> {
  encode(message: Message, writer?: BinaryWriter): BinaryWriter;
  decode(input: Uint8Array): Message;
}

/** The repeated field: its number and how one element is written from, and read into, plain numbers. */
export interface RepeatedField<Fields> {
  /** Key byte of the field (number << 3 | 2). */
  tag: number;
  /** About the bytes of one element, to size the buffer (it grows if needed). */
  typicalBytes: number;
  write(sink: ProtoSink, tag: number, element: Fields): void;
  reader(bytes: Uint8Array): { read(from: number, to: number): Fields };
}

/**
 * For large answers in a server: the bytes of codec.encode() of header (its repeated field empty)
 * with elementAt(0 … count-1) as that field, built in slices of sliceMs.
 */
export async function encodeInSlices<Message, Fields>(
  codec: MessageCodec<Message>,
  field: RepeatedField<Fields>,
  header: Message,
  count: number,
  elementAt: (index: number) => Fields,
  sliceMs = SLICE_MS,
): Promise<Buffer> {
  const answer = new SlicedAnswer(codec, field, header, count, sliceMs);
  await answer.write(count, elementAt);
  return answer.finish();
}

/**
 * encodeInSlices for elements that arrive in batches (rows read through a cursor): each batch is
 * written when it comes, so its rows die young instead of living, all of them, until the last one
 * is read (a year of readings as one array of row objects costs collections that stall the loop).
 */
export async function encodeBatchesInSlices<Message, Row, Fields>(
  codec: MessageCodec<Message>,
  field: RepeatedField<Fields>,
  header: Message,
  batches: AsyncIterable<readonly Row[]> | Iterable<readonly Row[]>,
  fieldsOf: (row: Row) => Fields,
  sliceMs = SLICE_MS,
): Promise<Buffer> {
  let answer: SlicedAnswer<Message, Fields> | undefined;
  for await (const batch of batches) {
    answer ??= new SlicedAnswer(codec, field, header, batch.length, sliceMs);
    await answer.write(batch.length, (index) => fieldsOf(batch[index]!));
  }
  return (answer ?? new SlicedAnswer(codec, field, header, 0, sliceMs)).finish();
}

/** One answer being written: the header's fields around the repeated field's elements, yielding every sliceMs. */
class SlicedAnswer<Message, Fields> {
  private readonly sink: ProtoSink;
  private readonly after: Uint8Array;
  private readonly nextSlice: () => Promise<void> | undefined;

  constructor(
    codec: MessageCodec<Message>,
    private readonly field: RepeatedField<Fields>,
    header: Message,
    expectedCount: number,
    sliceMs: number,
  ) {
    this.sink = new ProtoSink(field.typicalBytes * (expectedCount + 1));
    const { before, after } = splitAround(codec.encode(header).finish(), field.tag >>> 3);
    this.sink.raw(before);
    this.after = after;
    this.nextSlice = slicer(sliceMs);
  }

  async write(count: number, elementAt: (index: number) => Fields): Promise<void> {
    const { sink, field } = this;
    for (let index = 0; index < count; index++) {
      field.write(sink, field.tag, elementAt(index));
      if ((index + 1) % ELEMENTS_PER_CLOCK_READ === 0) await this.nextSlice();
    }
  }

  finish(): Buffer {
    this.sink.raw(this.after);
    return this.sink.bytes();
  }
}

/**
 * The encoded header's fields numbered below the repeated field and those above it: the generated
 * encoder writes fields in number order, so the elements go between them (data_version = 15 comes
 * after an AggregateUsageResponse's buckets = 4).
 */
function splitAround(header: Uint8Array, fieldNumber: number): { before: Uint8Array; after: Uint8Array } {
  const reader = new BinaryReader(header);
  const before: Uint8Array[] = [];
  const after: Uint8Array[] = [];
  while (reader.pos < reader.len) {
    const start = reader.pos;
    const tag = reader.uint32();
    reader.skip(tag & 7);
    (tag >>> 3 < fieldNumber ? before : after).push(header.subarray(start, reader.pos));
  }
  return { before: Buffer.concat(before), after: Buffer.concat(after) };
}

/**
 * For large answers in a client: decodes bytes as codec.decode() does, handing each element of
 * the repeated field to onElement in order instead of collecting them, in slices of sliceMs;
 * resolves with the other fields (the repeated one left empty).
 */
export async function decodeInSlices<Message, Fields>(
  codec: MessageCodec<Message>,
  field: RepeatedField<Fields>,
  bytes: Uint8Array,
  onElement: (element: Fields, index: number) => void,
  sliceMs = SLICE_MS,
): Promise<Message> {
  const reader = new BinaryReader(bytes);
  const elements = field.reader(bytes);
  const otherFields: Uint8Array[] = [];
  const nextSlice = slicer(sliceMs);
  let index = 0;
  while (reader.pos < reader.len) {
    const fieldStart = reader.pos;
    const tag = reader.uint32();
    if (tag === field.tag) {
      const length = reader.uint32();
      if (reader.pos + length > reader.len) throw new RangeError('premature EOF');
      onElement(elements.read(reader.pos, reader.pos + length), index);
      reader.pos += length;
      index += 1;
      if (index % ELEMENTS_PER_CLOCK_READ === 0) await nextSlice();
      continue;
    }
    if ((tag & 7) === 4 || tag === 0) break; // where decode() stops too
    reader.skip(tag & 7);
    otherFields.push(bytes.subarray(fieldStart, reader.pos));
  }
  // The other fields (and unknown ones) decoded by the generated code itself, so they mean the same.
  return codec.decode(Buffer.concat(otherFields));
}
