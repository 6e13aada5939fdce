import { fromJson, toBinary, type JsonValue } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import descriptorSetJson from './gen/descriptor-set.json';

/**
 * The original file descriptors of every proto file (imports included), serialised as
 * binary FileDescriptorProto messages. Use them to feed gRPC server reflection: buf built
 * them from proto/, so clients such as `buf curl` see the exact schema with its imports
 * (a proto-loader re-serialisation drops imports and breaks `buf curl`).
 */
export function fileDescriptorProtos(): Uint8Array[] {
  const descriptorSet = fromJson(FileDescriptorSetSchema, descriptorSetJson as unknown as JsonValue);
  return descriptorSet.file.map((file) => toBinary(FileDescriptorProtoSchema, file));
}
