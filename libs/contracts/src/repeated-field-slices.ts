import { BinaryReader, type BinaryWriter } from '@bufbuild/protobuf/wire';
import { ProtoSink } from './proto-sink';

// Large answers (a year in 15-minute buckets, a long meter's readings) are encoded and decoded a
// slice of SLICE_MS at a time, yielding to the event loop between slices, with each element of
// the big repeated field as plain numbers rather than a message of Dates. Slices are timed rather
// than counted: under load every yield waits for a whole turn of a busy event loop, so a large
// answer should yield as rarely as the probes allow. The other fields are written first, then the
// repeated one (a message's encoding followed by more encoded fields is the encoding of the merged
// message): the very bytes of the generated encode() when the repeated field has the highest
// number, the same fields in another order (which decode() reads alike) otherwise.

/** Milliseconds of work between two yields to the event loop: short enough for health probes, long enough that a busy loop does not starve the work. */
export const SLICE_MS = 10;

// How often (in elements) the clock is read; an element takes a few microseconds.
const ELEMENTS_PER_CLOCK_READ = 64;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Resolves at once while the current slice has time left; else yields to the event loop and starts the next slice. */
function slicer(sliceMs: number): () => Promise<void> | undefined {
  let sliceStart = performance.now();
  return () => {
    if (performance.now() - sliceStart < sliceMs) return undefined;
    return yieldToEventLoop().then(() => {
      sliceStart = performance.now();
    });
  };
}

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
  const sink = new ProtoSink(field.typicalBytes * (count + 1));
  const { before, after } = splitAround(codec.encode(header).finish(), field.tag >>> 3);
  sink.raw(before);
  const nextSlice = slicer(sliceMs);
  for (let index = 0; index < count; index++) {
    field.write(sink, field.tag, elementAt(index));
    if ((index + 1) % ELEMENTS_PER_CLOCK_READ === 0) await nextSlice();
  }
  sink.raw(after);
  return sink.bytes();
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
