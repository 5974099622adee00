/**
 * The callback protocol between firestep and users' code (the Dagster-Pipes-like path): the context
 * firestep injects into every launch, and the message the SDK sends back. Shared by the adapters
 * (which inject the context), the SDK (which reads it and replies) and the signal parser.
 */
import { createHmac } from 'node:crypto';
import { z } from 'zod';

/** Injected into every launch: HTTP body field `firestep`, or Pub/Sub attributes `firestep_*`. */
export const FirestepContextSchema = z.object({
  executionId: z.string().min(1),
  /** Step name as written in the flow. */
  step: z.string().min(1),
  /** Step path, e.g. `Step2/1/Branch2`. */
  path: z.string().min(1),
  attempt: z.number().int().positive(),
  /** Unguessable per-attempt token; the callback's proof and correlation key. */
  token: z.string().min(16),
  /** 32-hex trace id of this attempt (also sent as `traceparent`). */
  traceId: z.string().regex(/^[0-9a-f]{32}$/),
  /** Where to reply: the API function's callback URL and/or the engine's signal topic. */
  replyTo: z.object({ url: z.string().url().optional(), topic: z.string().optional() }),
});
export type FirestepContext = z.infer<typeof FirestepContextSchema>;

/** Pub/Sub attribute names carrying the context for Pub/Sub-triggered functions. */
export const CONTEXT_ATTRIBUTES = {
  executionId: 'firestep_execution',
  step: 'firestep_step',
  path: 'firestep_path',
  attempt: 'firestep_attempt',
  token: 'firestep_token',
  traceId: 'firestep_trace',
  replyUrl: 'firestep_reply_url',
  replyTopic: 'firestep_reply_topic',
} as const;

/** What the SDK (or any client) sends back. `kind` tells it apart from LogEntries on the same topic. */
export const CallbackMessageSchema = z.object({
  kind: z.literal('firestep.callback'),
  /** Unique per callback (dedupe/audit), e.g. a UUID. */
  id: z.string().min(1).max(200),
  token: z.string().min(16).max(200),
  executionId: z.string().min(1),
  path: z.string().min(1),
  attempt: z.number().int().positive(),
  outcome: z.enum(['succeeded', 'failed', 'log']),
  output: z.unknown().optional(),
  error: z
    .object({ name: z.string().default('Error'), message: z.string(), cause: z.unknown().optional() })
    .optional(),
  lines: z.array(z.string()).max(1000).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
export type CallbackMessage = z.infer<typeof CallbackMessageSchema>;

/**
 * The per-attempt callback token: HMAC-SHA256 of (execution, command id) under the engine's secret
 * (`FIRESTEP_CALLBACK_SECRET`), base64url. Deterministic, so it can be registered as a correlation
 * key in the same transaction as the launch command, and unguessable without the secret.
 *
 * @example callbackToken('s3cret', 'exec-1', 'launch~Step1~1') // → 43-char base64url string
 */
export function callbackToken(secret: string, executionId: string, commandId: string): string {
  return createHmac('sha256', secret).update(`${executionId}\n${commandId}`).digest('base64url');
}
