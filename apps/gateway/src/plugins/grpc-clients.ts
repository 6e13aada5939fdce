import {
  Channel,
  connectivityState,
  credentials,
  InterceptingCall,
  type Metadata,
  status,
  type ChannelCredentials,
  type ChannelOptions,
  type Interceptor,
} from '@grpc/grpc-js';
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import { callMetadata } from '../grpc/call';
import type { GrpcClientTls } from '../config';
import fp from 'fastify-plugin';
import { HealthClient, MeterUsageServiceClient } from '@meterusage/contracts';
import { createAnswerBytesClient, type AnswerBytesClient } from '../grpc/answer-bytes';

declare module 'fastify' {
  interface FastifyInstance {
    /** The one client of grpc-server's MeterUsageService, shared by every request. */
    meterUsage: MeterUsageServiceClient;
    /** The standard gRPC health client of the same channel target. */
    grpcHealth: HealthClient;
    /** The bulk methods answering with the encoded bytes, for the routes that decode them in slices. */
    answerBytes: AnswerBytesClient;
    /** The metadata of a call made for request: its id and its caller's credential (grpc/call.ts). */
    callMetadata(request: FastifyRequest): Metadata;
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
  // HTTP/2's default 64 KiB receive window makes a 1 MB answer (a year of hourly buckets) wait for
  // ~20 window updates, each behind every other request on the busy event loop: under load such a
  // call took seconds. A larger window lets grpc-server send it in one go.
  'grpc-node.flow_control_window': 8 * 1024 * 1024,
};

/** Plaintext, or TLS verified against the given CA (system roots when none), with an optional client certificate. */
function channelCredentials(tls: GrpcClientTls | undefined): ChannelCredentials {
  if (tls === undefined) return credentials.createInsecure();
  return credentials.createSsl(tls.ca ?? null, tls.privateKey ?? null, tls.certificateChain ?? null);
}

/** Opens the gRPC clients once at start and closes them when Fastify closes. */
export const grpcClientsPlugin = fp<{ target: string; tls?: GrpcClientTls; requireKeys: boolean }>(
  async (app, { target, tls, requireKeys }) => {
    app.decorate('callMetadata', (request: FastifyRequest) => callMetadata(request, requireKeys));
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
    const channelOptions: ChannelOptions = {
      ...CHANNEL_OPTIONS,
      ...(tls?.serverName !== undefined ? { 'grpc.ssl_target_name_override': tls.serverName, 'grpc.default_authority': tls.serverName } : {}),
    };
    // One channel for both clients: one connection, one state to report.
    const channel = new Channel(target, channelCredentials(tls), channelOptions);
    const clientOptions = { interceptors: [timing], channelOverride: channel };
    const meterUsage = new MeterUsageServiceClient(target, channelCredentials(tls), clientOptions);
    const grpcHealth = new HealthClient(target, channelCredentials(tls), clientOptions);
    app.decorate('meterUsage', meterUsage);
    app.decorate('grpcHealth', grpcHealth);
    app.decorate('answerBytes', createAnswerBytesClient(target, channelCredentials(tls), clientOptions));
    reportReachability(channel, target, app.log);
    app.addHook('onClose', async () => {
      channel.close();
    });
  },
  { name: 'grpc-clients', dependencies: ['prometheus'] },
);

/**
 * Logs grpc-server's reachability when it changes, not with every request: one warning when the
 * channel fails to connect, one info line when it is connected again. Requests meanwhile answer
 * 503 and log at debug. The channel connects at start, so an absent grpc-server shows at once.
 */
function reportReachability(channel: Channel, target: string, logger: FastifyBaseLogger): void {
  let unreachable = false;
  const watch = (state: connectivityState) => {
    if (state === connectivityState.TRANSIENT_FAILURE && !unreachable) {
      unreachable = true;
      logger.warn({ grpcTarget: target }, `grpc-server at ${target} is unreachable; API requests answer 503 until it is back`);
    } else if (state === connectivityState.READY && unreachable) {
      unreachable = false;
      logger.info({ grpcTarget: target }, `grpc-server at ${target} is reachable again`);
    }
    if (state === connectivityState.SHUTDOWN) return;
    channel.watchConnectivityState(state, Infinity, () => watch(channel.getConnectivityState(false)));
  };
  watch(channel.getConnectivityState(true));
}
