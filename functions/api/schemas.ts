/**
 * Request shapes of the JSON API, checked with zod so that a bad request is a 400 naming the field.
 */
import { z } from 'zod';
import type { Json } from '../../engine/flow/model.ts';

/** Execution names follow Step Functions' rules (1–80 characters, no `/`), so they fit a document id. */
export const ExecutionNameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(80, 'must be at most 80 characters')
  .regex(/^[A-Za-z0-9_.-]+$/, 'may only contain letters, digits, "_", "." and "-"');

/** Any JSON value; `z.json()` checks exactly what the engine's `Json` type describes. */
const JsonValue = z.json() as unknown as z.ZodType<Json>;

/** `POST /v1/executions`. */
export const StartExecutionBody = z.strictObject({
  flowId: z
    .string({ error: 'required: the id of a flow bundled with the function' })
    .min(1, 'must not be empty'),
  /** The execution input (any JSON, default `{}`). */
  input: JsonValue.optional(),
  /** Idempotent name: the same name and input return the existing execution. */
  name: ExecutionNameSchema.optional(),
});
export type StartExecutionBody = z.infer<typeof StartExecutionBody>;

export const EXECUTION_STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'TIMED_OUT'] as const;

const intParam = (min: number, max: number) =>
  z.coerce
    .number({ error: 'must be an integer' })
    .int('must be an integer')
    .min(min, `must be ≥ ${min}`)
    .max(max, `must be ≤ ${max}`);

/** `GET /v1/executions?flowId&status&limit`. */
export const ListExecutionsQuery = z.strictObject({
  flowId: z.string().min(1).optional(),
  status: z.enum(EXECUTION_STATUSES, { error: `must be one of ${EXECUTION_STATUSES.join(', ')}` }).optional(),
  limit: intParam(1, 1000).default(50),
});

/** `GET /v1/executions/{id}/events?afterSeq&limit`. */
export const ReadEventsQuery = z.strictObject({
  afterSeq: intParam(0, Number.MAX_SAFE_INTEGER).default(0),
  limit: intParam(1, 1000).default(500),
});

/** `POST /v1/executions/{id}:cancel`. */
export const CancelBody = z.strictObject({
  reason: z.string().min(1, 'must not be empty').max(1000, 'must be at most 1000 characters').optional(),
});

/** `POST /v1/executions/{id}:redrive` takes no fields. */
export const EmptyBody = z.strictObject({});

/** Query parameters as a plain object (repeated keys: the last one wins). */
export function queryObject(query: URLSearchParams): Record<string, string> {
  return Object.fromEntries(query.entries());
}
