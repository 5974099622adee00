/**
 * The firestep context every launch carries (HTTP body field `firestep`, Pub/Sub attributes), and the
 * callback correlation key it implies. Both come from the same deterministic token, so the key the
 * store registers before launch matches the token the function later sends back.
 */
import type { LaunchCommand } from '../../engine/core/commands.ts';
import type { CorrelationKey } from '../../engine/ports/index.ts';
import {
  CONTEXT_ATTRIBUTES,
  callbackToken,
  type FirestepContext,
} from '../../engine/signals/wire/callback.ts';

export interface ContextOptions {
  /** `FIRESTEP_CALLBACK_SECRET`: the HMAC key of callback tokens. */
  secret: string;
  /** Where callbacks go: the API function's callback URL and/or the engine's signal topic. */
  replyTo: FirestepContext['replyTo'];
}

/**
 * @example firestepContext({ secret, replyTo: { url } }, command).token === callbackToken(secret, command.executionId, command.id)
 */
export function firestepContext(opts: ContextOptions, command: LaunchCommand): FirestepContext {
  return {
    executionId: command.executionId,
    step: command.step,
    path: command.path,
    attempt: command.attempt,
    token: callbackToken(opts.secret, command.executionId, command.id),
    traceId: command.trace.traceId,
    replyTo: opts.replyTo,
  };
}

/**
 * The context as Pub/Sub message attributes (`firestep_*`, all strings).
 *
 * @example contextAttributes(ctx).firestep_attempt === '1'
 */
export function contextAttributes(ctx: FirestepContext): Record<string, string> {
  const a = CONTEXT_ATTRIBUTES;
  return {
    [a.executionId]: ctx.executionId,
    [a.step]: ctx.step,
    [a.path]: ctx.path,
    [a.attempt]: String(ctx.attempt),
    [a.token]: ctx.token,
    [a.traceId]: ctx.traceId,
    ...(ctx.replyTo.url ? { [a.replyUrl]: ctx.replyTo.url } : {}),
    ...(ctx.replyTo.topic ? { [a.replyTopic]: ctx.replyTo.topic } : {}),
  };
}

/**
 * The `callback` key of a launch (the token its callback will carry): known before launch, pure.
 *
 * @example callbackKey({ secret, replyTo: {} }, command) // → { kind: 'callback', value: '<43-char token>' }
 */
export function callbackKey(opts: ContextOptions, command: LaunchCommand): CorrelationKey {
  return { kind: 'callback', value: callbackToken(opts.secret, command.executionId, command.id) };
}

/**
 * The `trace` and `callback` keys of a launch that carries trace headers.
 *
 * @example traceAndCallbackKeys(opts, command).map((k) => k.kind) // → ['trace', 'callback']
 */
export function traceAndCallbackKeys(opts: ContextOptions, command: LaunchCommand): CorrelationKey[] {
  return [{ kind: 'trace', value: command.trace.traceId }, callbackKey(opts, command)];
}

/**
 * The JSON body of every HTTP launch: the resolved input plus the context for the callback SDK.
 *
 * @example launchBody(opts, command) // → { input: { day: '2026-11-23' }, firestep: { executionId, …, token } }
 */
export function launchBody(
  opts: ContextOptions,
  command: LaunchCommand,
): { input: LaunchCommand['input']; firestep: FirestepContext } {
  return { input: command.input, firestep: firestepContext(opts, command) };
}
