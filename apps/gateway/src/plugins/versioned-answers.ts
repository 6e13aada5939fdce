import { status, type ServiceError } from '@grpc/grpc-js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AnswerCache } from '../answers/answer-cache';
import { BodyPieces, sendable } from '../answers/body-pieces';
import { etagOf, ifNoneMatchMatches } from '../answers/etag';
import { FreshReads } from '../answers/fresh-reads';
import { callUnary } from '../grpc/call';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route's 200 answer depends only on its URL and the data of the meter its `meter` parameter names. */
    versionedAnswer?: boolean;
  }
}

/** What a request's answer is computed from, once its meter's data version is known. */
interface AnswerVersion {
  meterId: string;
  dataVersion: number;
  etag: string;
}

// Replies whose answer depends on more than the meter's data: no ETag, not kept.
const uncacheable = new WeakSet<FastifyReply>();

// Requests that skipped the version call: their route reports the version its answers were read
// at (answeredAt). 'pending' until it does; 'unknown' when an answer carried none (an older grpc-server).
type ReportedVersion = AnswerVersion | 'pending' | 'unknown';
const reportedVersions = new WeakMap<FastifyRequest, ReportedVersion>();

/**
 * Reports the meter and data version (data_version) of a grpc-server answer a versionedAnswer
 * route built its answer from: grpc-server reads the version before the data, so the data is at
 * least that new. A route with several calls reports each, and the lowest version is kept: the
 * data of every call is at least as new as that. Only heeded when the version was not asked first.
 */
export function answeredAt(request: FastifyRequest, answer: { meterId: string; dataVersion: number }): void {
  const reported = reportedVersions.get(request);
  if (reported === undefined || reported === 'unknown') return;
  if (answer.dataVersion <= 0) reportedVersions.set(request, 'unknown');
  else if (reported === 'pending' || answer.dataVersion < reported.dataVersion) {
    reportedVersions.set(request, { meterId: answer.meterId, dataVersion: answer.dataVersion, etag: etagOf(answer.meterId, answer.dataVersion) });
  }
}

/**
 * Marks a reply of a versionedAnswer route as depending on more than its meter's data (a page with
 * a next-page token, signed with one grpc-server's key, which another or a restarted one refuses):
 * it gets no ETag and is not kept.
 */
export function withoutAnswerCache(reply: FastifyReply): void {
  uncacheable.add(reply);
}

/** Failures of the version call after which the route runs as if there were no cache. */
const ASK_THE_ROUTE = new Set<number>([status.NOT_FOUND, status.INVALID_ARGUMENT, status.UNIMPLEMENTED]);

/** Outcomes counted in gateway_answers_total. */
export type AnswerOutcome = 'hit' | 'miss' | 'not_modified' | 'unversioned' | 'uncacheable';

/**
 * Conditional requests and the answer cache of the versionedAnswer routes. Before the handler,
 * grpc-server is asked the meter's data version (GetDataVersion: one primary-key read), which
 * changes in the same transaction as every write of the meter's readings, unless nothing could
 * come of it: a request without If-None-Match for a URL with no answer kept can only be a miss, so
 * it skips the call and is tagged and kept with the version its route reports (answeredAt). Then:
 *   - an answer kept for this URL at this version: sent as kept, or 304 (no body) when
 *     If-None-Match holds its ETag;
 *   - else the handler runs, and its 200 gets the ETag (or becomes a 304 the same way) and is kept.
 * A 304 is only ever given for what would be a 200: a request the route refuses (a zone that does
 * not exist) is refused whatever its If-None-Match says. A route whose answer depends on more than
 * its meter's data calls withoutAnswerCache for it.
 * Every request asks the database (for the version, or for the data, read after the version it
 * is tagged with), so with any number of gateways and grpc-servers an answer is never older than
 * the last write committed before the request came in; concurrent requests may share a version
 * read, but only one that started after they came in. A version call that
 * fails for the request's meter, or because grpc-server predates GetDataVersion, leaves the
 * request to the route as if there were no cache; other failures are the request's answer.
 */
export const versionedAnswersPlugin = fp<{ maxBytes: number; deadlineMs: number }>(
  async (app, options) => {
    const cache = new AnswerCache(options.maxBytes);
    const versions = new WeakMap<FastifyRequest, AnswerVersion>();
    // Concurrent requests of one caller for one meter share a version read that started after they
    // came in (fresh-reads.ts). By caller too: the read is also the check that the key may read the meter.
    const versionReads = new FreshReads<{ meterId: string; dataVersion: number }>();
    const validators = (etag: string) => ({ etag, 'cache-control': 'no-cache' });

    app.addHook('preHandler', async (request, reply) => {
      if (request.routeOptions.config.versionedAnswer !== true) return;
      if (request.headers['if-none-match'] === undefined && !cache.has(request.url)) {
        reportedVersions.set(request, 'pending');
        return;
      }
      const meter = (request.query as { meter?: string }).meter ?? '';
      let version: AnswerVersion;
      try {
        const { meterId, dataVersion } = await versionReads.read(JSON.stringify([meter, request.headers.authorization ?? '']), () =>
          callUnary(
            app.meterUsage.getDataVersion.bind(app.meterUsage),
            { meterId: meter },
            { deadlineMs: options.deadlineMs, metadata: app.callMetadata(request) },
          ),
        );
        version = { meterId, dataVersion, etag: etagOf(meterId, dataVersion) };
      } catch (error) {
        // A fault of the request (an unknown or malformed meter): the route's own call judges the
        // whole request first and gives the error a client should see (an inverted range before an
        // unknown meter). A grpc-server without GetDataVersion (a rolling upgrade): answered as
        // without the cache. Anything else (busy, unreachable, a deadline) is the route's answer
        // too, given now rather than asked for twice.
        const code = (error as ServiceError).code;
        if (!ASK_THE_ROUTE.has(code)) throw error;
        app.recordAnswer('unversioned');
        return;
      }
      const kept = cache.get(request.url, version.meterId, version.dataVersion);
      if (kept !== undefined && ifNoneMatchMatches(request.headers['if-none-match'], version.etag)) {
        app.recordAnswer('not_modified');
        return reply.code(304).headers(validators(version.etag)).send();
      }
      if (kept !== undefined) {
        app.recordAnswer('hit');
        return reply.headers({ ...validators(version.etag), 'content-type': kept.contentType, 'content-length': kept.body.length }).send(sendable(kept.body));
      }
      versions.set(request, version);
    });

    app.addHook('onSend', async (request, reply, payload) => {
      const reported = reportedVersions.get(request);
      if (reply.statusCode === 200 && (reported === 'pending' || reported === 'unknown')) app.recordAnswer('unversioned');
      const version = versions.get(request) ?? (typeof reported === 'object' ? reported : undefined);
      if (version === undefined || reply.statusCode !== 200) return payload;
      if (uncacheable.has(reply)) {
        app.recordAnswer('uncacheable');
        return payload;
      }
      void reply.headers(validators(version.etag));
      const notModified = ifNoneMatchMatches(request.headers['if-none-match'], version.etag);
      app.recordAnswer(notModified ? 'not_modified' : 'miss');
      const body =
        typeof payload === 'string'
          ? Buffer.from(payload, 'utf8')
          : Buffer.isBuffer(payload)
            ? payload
            : payload instanceof BodyPieces
              ? payload.whole
              : undefined;
      if (body !== undefined) {
        cache.set(request.url, { meterId: version.meterId, dataVersion: version.dataVersion, contentType: String(reply.getHeader('content-type')), body });
      }
      if (notModified) {
        void reply.code(304).removeHeader('content-length').removeHeader('content-type');
        return null;
      }
      return payload instanceof BodyPieces || body === undefined ? payload : body;
    });
  },
  { name: 'versioned-answers', dependencies: ['grpc-clients', 'prometheus'] },
);
