import { fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { fileDescriptorProtos, METER_USAGE_SERVICE_NAME } from './index';

describe('fileDescriptorProtos', () => {
  const files = fileDescriptorProtos().map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes));

  it('includes the service file together with every file it imports', () => {
    const names = files.map((file) => file.name);
    const service = files.find((file) => file.name === 'meterusage/v1/meter_usage_service.proto');
    expect(service).toBeDefined();
    for (const dependency of service?.dependency ?? []) expect(names).toContain(dependency);
    expect(names).toContain('google/protobuf/timestamp.proto');
  });

  it('describes the MeterUsageService with its GetMetrics method', () => {
    const service = files
      .filter((file) => file.package === 'meterusage.v1')
      .flatMap((file) => file.service.map((s) => ({ fullName: `${file.package}.${s.name}`, s })))
      .find(({ fullName }) => fullName === METER_USAGE_SERVICE_NAME);
    expect(service?.s.method.map((m) => m.name)).toContain('GetMetrics');
  });
});
