import { credentials, InterceptingCall, status, type ChannelOptions, type Interceptor } from '@grpc/grpc-js';
import fp from 'fastify-plugin';
import { HealthClient, MeterUsageServiceClient } from '@meterusage/contracts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The one client of grpc-server's MeterUsageService, shared by every request. */
    meterUsage: MeterUsageServiceClient;
    /** The standard gRPC health client of the same channel target. */
    grpcHealth: HealthClient;
  }
}

// Keepalive agrees with grpc-server: pings every 30 s are above its 10 s minimum interval.
// Reconnects back off from 0.5 s to at most 5 s, so recovery after a restart is quick.
export const CHANNEL_OPTIONS: ChannelOptions = {
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.initial_reconnect_backoff_ms': 500,
  'grpc.max_reconnect_backoff_ms': 5_000,
  'grpc.max_receive_message_length': 64 * 1024 * 1024,
};

/** Opens the gRPC clients once at start and closes them when Fastify closes. */
export const grpcClientsPlugin = fp<{ target: string }>(
  async (app, { target }) => {
    // Every call of both clients is timed by its final status, in one place.
    const timing: Interceptor = (options, nextCall) => {
      const method = options.method_definition.path.split('/').pop() ?? 'unknown';
      const startedAt = performance.now();
      return new InterceptingCall(nextCall(options), {
        start(metadata, _listener, next) {
          // A listener of next-style callbacks: what it leaves out passes through unchanged.
          next(metadata, {
            onReceiveStatus(callStatus, nextStatus) {
              app.recordGrpcCall(method, status[callStatus.code] ?? 'UNKNOWN', (performance.now() - startedAt) / 1000);
              nextStatus(callStatus);
            },
          });
        },
      });
    };
    const clientOptions = { ...CHANNEL_OPTIONS, interceptors: [timing] };
    const meterUsage = new MeterUsageServiceClient(target, credentials.createInsecure(), clientOptions);
    const grpcHealth = new HealthClient(target, credentials.createInsecure(), clientOptions);
    app.decorate('meterUsage', meterUsage);
    app.decorate('grpcHealth', grpcHealth);
    app.addHook('onClose', async () => {
      meterUsage.close();
      grpcHealth.close();
    });
  },
  { name: 'grpc-clients', dependencies: ['metrics'] },
);
