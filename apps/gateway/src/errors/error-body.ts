// The one shape of every error response: {"error":{"code","message","details"}}, as a TypeScript
// type, as the JSON schema the routes document and serialise with, and as the builders that make it.

/** One invalid request field, named as the HTTP API names it (a query parameter). */
export interface FieldViolation {
  field: string;
  description: string;
}

/** The JSON body of every error response. */
export interface ErrorBody {
  error: { code: string; message: string; details?: FieldViolation[] };
}

/** JSON schema of ErrorBody, for the routes' response schemas (OpenAPI and serialisation). */
export const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'gRPC status name, e.g. INVALID_ARGUMENT.' },
        message: { type: 'string' },
        details: {
          type: 'array',
          items: { type: 'object', properties: { field: { type: 'string' }, description: { type: 'string' } } },
        },
      },
    },
  },
} as const;

/** An error body with a code and a message, and the invalid fields when there are any. */
export function errorBody(code: string, message: string, details?: readonly FieldViolation[]): ErrorBody {
  return { error: { code, message, ...(details !== undefined && details.length > 0 ? { details: [...details] } : {}) } };
}

/** The INVALID_ARGUMENT body of invalid fields: the message lists them as "field: reason; ...", details has each. */
export function invalidArgumentBody(details: readonly FieldViolation[]): ErrorBody {
  return errorBody('INVALID_ARGUMENT', details.map((detail) => `${detail.field}: ${detail.description}`).join('; '), details);
}
