import type { ServiceDefinition } from '@grpc/grpc-js';

// grpc-js encodes a unary answer in one synchronous call of the method's responseSerialize. A
// handler that builds a large answer a slice at a time (to keep the event loop responsive) returns
// the bytes instead, marked here, and the serializer passes them through.
const preEncodedAnswers = new WeakSet<Buffer>();

/** Returned by a handler in place of its response message: the bytes the method's serializer would make of it. */
export function preEncoded<Response>(bytes: Buffer): Response {
  preEncodedAnswers.add(bytes);
  return bytes as unknown as Response;
}

/** The service definition with serializers that send pre-encoded answers as they are and encode the rest as before. */
export function acceptPreEncoded<Definition extends ServiceDefinition>(definition: Definition): Definition {
  const methods = Object.entries(definition).map(([name, method]) => [
    name,
    { ...method, responseSerialize: (value: unknown) => (preEncodedAnswers.has(value as Buffer) ? (value as Buffer) : method.responseSerialize(value)) },
  ]);
  return Object.fromEntries(methods) as Definition;
}
