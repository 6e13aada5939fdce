// The gateway's errors, one job a module: the body's shape (error-body), the errors routes throw
// (http-errors), gRPC status → HTTP (grpc-to-http, with the proto → query field names of
// http-field-names), schema failures in our words (schema-errors), the dispatch over all of them
// (to-http-error, with Fastify's own refusals in framework-errors) and answers to requests Node's parser refused (raw-responses).
export { errorBody, errorSchema, invalidArgumentBody, type ErrorBody, type FieldViolation } from './error-body';
export { grpcErrorToHttp, isGrpcError, type GrpcFailure } from './grpc-to-http';
export { BadRequestError, HttpStatusError, type FailureLogLevel, type HttpError } from './http-errors';
export { httpFieldOf, toHttpViolation } from './http-field-names';
export { rawClientErrorResponse } from './raw-responses';
export { ruleOf } from './schema-errors';
export { toHttpError } from './to-http-error';
