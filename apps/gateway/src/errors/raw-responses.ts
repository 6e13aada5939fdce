import { errorBody, type ErrorBody } from './error-body';

/**
 * The raw HTTP/1.1 response to a request Node's parser refused (bad bytes in the request line, a
 * header section over the limit): the gateway's JSON error body, then the connection closes.
 */
export function rawClientErrorResponse(error: Error & { code?: string }): string {
  const [statusLine, body]: [string, ErrorBody] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [
          '431 Request Header Fields Too Large',
          errorBody('REQUEST_HEADER_FIELDS_TOO_LARGE', 'the request line and headers exceed 16 KiB; send long parameters in fewer or shorter values'),
        ]
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? ['408 Request Timeout', errorBody('REQUEST_TIMEOUT', 'the request did not arrive in time')]
        : ['400 Bad Request', errorBody('INVALID_ARGUMENT', 'malformed HTTP request: the request line or a header could not be parsed')];
  const json = JSON.stringify(body);
  return `HTTP/1.1 ${statusLine}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`;
}
