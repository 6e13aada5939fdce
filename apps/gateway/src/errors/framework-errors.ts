import { errorBody, type ErrorBody } from './error-body';

// Fastify's own refusals (before or around routing), in our words: by its error code, else by status.
const FRAMEWORK_MESSAGES: Record<string, string> = {
  FST_ERR_BAD_URL: 'the path is not valid percent-encoded UTF-8 (a % starts an escape such as %20 or %C3%A9)',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'this route does not take a body of this Content-Type',
  FST_ERR_CTP_BODY_TOO_LARGE: 'the request body is too large',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'Content-Length does not match the body sent',
  413: 'the request body is too large',
  415: 'this route does not take a body of this Content-Type',
};

const CLIENT_ERROR_CODES: Record<number, string> = {
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RESOURCE_EXHAUSTED',
};

/** The body of one of Fastify's own 4xx refusals (a bad URL, a body it will not take), in our words, whatever Fastify said. */
export function frameworkErrorBody(statusCode: number, fastifyCode: unknown): ErrorBody {
  const code = CLIENT_ERROR_CODES[statusCode] ?? 'INVALID_ARGUMENT';
  return errorBody(code, FRAMEWORK_MESSAGES[String(fastifyCode)] ?? FRAMEWORK_MESSAGES[statusCode] ?? 'the request is malformed');
}
