import type { FieldViolation } from './error-body';

// Fastify validates each query against its route's JSON schema with ajv (verbose, all errors);
// this module words ajv's errors itself, one field violation per parameter.

/** One ajv error, with the schema and data ajv adds in verbose mode. */
export interface AjvError {
  instancePath?: string;
  keyword?: string;
  schemaPath?: string;
  params?: { missingProperty?: string; additionalProperty?: string };
  parentSchema?: FieldSchema;
  data?: unknown;
}

/** The parts of a parameter's JSON schema its rule is written from. */
interface FieldSchema {
  type?: string;
  enum?: unknown[];
  anyOf?: FieldSchema[];
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  properties?: Record<string, unknown>;
}

// What a format asks for, in words; a schema only names it.
const FORMAT_NOUNS: Record<string, string> = {
  'date-time': 'an RFC 3339 timestamp (2019-01-01T00:00:00Z)',
  date: 'a date (2019-01-01)',
};

/**
 * The rule a parameter's schema states, in our words: "must be an integer from 1 to 10000",
 * "must be one of 15m, hour, day". The one wording of every schema keyword the routes use.
 */
export function ruleOf(schema: FieldSchema): string {
  if (schema.enum !== undefined) return `must be one of ${schema.enum.join(', ')}`;
  if (schema.anyOf !== undefined) return `must be ${schema.anyOf.map((branch) => FORMAT_NOUNS[branch.format ?? ''] ?? ruleOf(branch)).join(' or ')}`;
  if (schema.format !== undefined) return `must be ${FORMAT_NOUNS[schema.format] ?? `in ${schema.format} format`}`;
  if (schema.pattern !== undefined) return 'has characters this parameter does not allow';
  if (schema.type === 'integer' || schema.type === 'number') {
    const noun = schema.type === 'integer' ? 'an integer' : 'a number';
    if (schema.minimum !== undefined && schema.maximum !== undefined) return `must be ${noun} from ${schema.minimum} to ${schema.maximum}`;
    if (schema.minimum !== undefined) return `must be ${noun} of at least ${schema.minimum}`;
    if (schema.maximum !== undefined) return `must be ${noun} of at most ${schema.maximum}`;
    return `must be ${noun}`;
  }
  if (schema.type === 'boolean') return 'must be true or false';
  if (schema.minLength !== undefined && schema.maxLength !== undefined) return `must be ${schema.minLength} to ${schema.maxLength} characters long`;
  if (schema.minLength === 1) return 'must not be empty';
  if (schema.minLength !== undefined) return `must be at least ${schema.minLength} characters long`;
  if (schema.maxLength !== undefined) return `must be at most ${schema.maxLength} characters long`;
  return 'is not valid here';
}

const ECHO_MAX_CHARS = 64;

/** A value as it is echoed in a message: quoted, escaped and cut short. */
function quoted(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return JSON.stringify(text.length > ECHO_MAX_CHARS ? `${text.slice(0, ECHO_MAX_CHARS)}…` : text);
}

/**
 * ajv's errors as one field violation per parameter, in our words: the parameter's rule and the
 * value given ("page_size: must be an integer from 1 to 10000, got "abc""), whichever keyword
 * failed; an unknown parameter lists the ones the route takes. ajv's own phrases never reach a client.
 */
export function schemaViolations(errors: AjvError[]): FieldViolation[] {
  const violations = new Map<string, string>();
  for (const error of errors) {
    if (error.keyword === 'additionalProperties' && error.params?.additionalProperty !== undefined) {
      const known = Object.keys(error.parentSchema?.properties ?? {});
      const takes = known.length === 0 ? 'this route takes no parameters' : `this route takes ${known.join(', ')}`;
      violations.set(error.params.additionalProperty, `unknown parameter; ${takes}`);
      continue;
    }
    if (error.keyword === 'required' && error.params?.missingProperty !== undefined) {
      violations.set(error.params.missingProperty, 'is required');
      continue;
    }
    // Only an error of a keyword on the parameter's own schema (not inside its anyOf) carries that schema.
    const field = /^#\/properties\/([^/]+)\/[^/]+$/.exec(error.schemaPath ?? '')?.[1];
    if (field === undefined || violations.has(field)) continue;
    const schema = error.parentSchema ?? {};
    violations.set(
      field,
      Array.isArray(error.data) && schema.type !== 'array'
        ? `must be given once, got ${error.data.length} values`
        : `${ruleOf(schema)}, got ${quoted(error.data)}`,
    );
  }
  if (violations.size === 0) violations.set('(request)', 'does not match what this route takes');
  return [...violations].map(([field, description]) => ({ field, description }));
}
