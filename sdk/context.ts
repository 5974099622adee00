/**
 * Reading the context firestep injects into a launch: the `firestep` field of an HTTP body, or the
 * `firestep_*` attributes of a Pub/Sub message. A function called without it still works: the
 * context is simply absent.
 */
import {
  CONTEXT_ATTRIBUTES,
  type FirestepContext,
  FirestepContextSchema,
} from '../engine/signals/wire/callback.ts';

/** Why a present-but-invalid context was refused (so the user sees it in their function's logs). */
export type ContextRead =
  | { status: 'present'; context: FirestepContext }
  | { status: 'absent' }
  | { status: 'invalid'; reason: string };

/**
 * Context from an HTTP body. firestep's launches POST `{ input, firestep: { executionId, step, path,
 * attempt, token, traceId, replyTo } }`: the step's input is `input`. A body with `firestep` but no
 * `input` field (a hand-made call) gives the rest of the body as input; a body without `firestep` (a
 * direct call) is the input as it is.
 *
 * @example readHttpContext({ input: { rows: 3 }, firestep: ctx }) // → { read: { status: 'present', context: ctx }, input: { rows: 3 } }
 */
export function readHttpContext(body: unknown): { read: ContextRead; input: unknown } {
  if (typeof body !== 'object' || body === null || Array.isArray(body) || !('firestep' in body)) {
    return { read: { status: 'absent' }, input: body };
  }
  const { firestep, ...rest } = body as Record<string, unknown>;
  const input = 'input' in rest ? rest.input : rest;
  const parsed = FirestepContextSchema.safeParse(firestep);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return {
      read: {
        status: 'invalid',
        reason: `firestep.${first?.path.map(String).join('.') ?? ''}: ${first?.message ?? 'invalid'}`,
      },
      input,
    };
  }
  return { read: { status: 'present', context: parsed.data }, input };
}

/**
 * Context from Pub/Sub attributes (`firestep_execution`, `firestep_step`, …).
 *
 * @example readAttributeContext({ firestep_execution: 'e1', firestep_step: 'S', … }).status === 'present'
 */
export function readAttributeContext(attributes: Record<string, string> | undefined): ContextRead {
  const a = attributes ?? {};
  if (a[CONTEXT_ATTRIBUTES.executionId] === undefined) return { status: 'absent' };
  const replyTo: Record<string, string> = {};
  const url = a[CONTEXT_ATTRIBUTES.replyUrl];
  const topic = a[CONTEXT_ATTRIBUTES.replyTopic];
  if (url) replyTo.url = url;
  if (topic) replyTo.topic = topic;
  const parsed = FirestepContextSchema.safeParse({
    executionId: a[CONTEXT_ATTRIBUTES.executionId],
    step: a[CONTEXT_ATTRIBUTES.step],
    path: a[CONTEXT_ATTRIBUTES.path],
    attempt: Number(a[CONTEXT_ATTRIBUTES.attempt]),
    token: a[CONTEXT_ATTRIBUTES.token],
    traceId: a[CONTEXT_ATTRIBUTES.traceId],
    replyTo,
  });
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return {
      status: 'invalid',
      reason: `attribute for ${first?.path.map(String).join('.')}: ${first?.message}`,
    };
  }
  return { status: 'present', context: parsed.data };
}
