/**
 * What a fake Cloud Function does when invoked, and how each outcome looks to its caller (HTTP status
 * and body) and in the platform's logs (gen1 final line / gen2 request status).
 */

import type { Json } from '../../engine/flow/model.ts';
import type { FirestepContext } from '../../engine/signals/wire/callback.ts';
import type { Gen1Finish } from './log-entries.ts';

/** Behaviour of one fake function. Every kind except `reject` and `lag` writes the platform log line. */
export type FunctionBehavior =
  /** Default: answer 200 with the input as output after `delayMs` (default 5). */
  | { kind: 'echo'; delayMs?: number; callback?: boolean }
  /** The function throws: HTTP `status` (default 500), log "finished with status code: <status>". */
  | { kind: 'fail'; delayMs?: number; status?: number; message?: string; callback?: boolean }
  /** The process dies: HTTP 500, gen1 log "finished with status: 'crash'". */
  | { kind: 'crash'; delayMs?: number }
  /** Runs past its deadline: gen1 HTTP 408 + "finished with status: 'timeout'", gen2 HTTP 504. */
  | { kind: 'timeout'; delayMs?: number }
  /** Never answers and never logs (a hung function); the request stays open until the host closes. */
  | { kind: 'lag' }
  /** The platform refuses before running anything (no instance / quota): HTTP `status`, no execution log. */
  | { kind: 'reject'; status: number; times?: number }
  /** Your own code; a throw is a `fail` with status 500. */
  | {
      kind: 'handler';
      run: (input: Json, context: FirestepContext | undefined) => Promise<Json> | Json;
      callback?: boolean;
    };

/** What one invocation produced. */
export type FunctionOutcome =
  | { kind: 'ok'; output: Json }
  | { kind: 'error'; status: number; message: string }
  | { kind: 'crash' }
  | { kind: 'timeout' };

/** The HTTP answer for an outcome. */
export function httpAnswer(outcome: FunctionOutcome, gen: 1 | 2): { status: number; body: Json } {
  switch (outcome.kind) {
    case 'ok':
      return { status: 200, body: outcome.output };
    case 'error':
      return { status: outcome.status, body: { error: outcome.message } };
    case 'crash':
      return { status: 500, body: { error: 'Error: could not handle the request' } };
    case 'timeout':
      return gen === 1
        ? { status: 408, body: { error: 'Error: function execution attempt timed out.' } }
        : { status: 504, body: { error: 'upstream request timeout' } };
  }
}

/** How the gen1 platform line words the end of this outcome. */
export function gen1Finish(outcome: FunctionOutcome): Gen1Finish {
  switch (outcome.kind) {
    case 'ok':
      return { statusCode: 200 };
    case 'error':
      return { statusCode: outcome.status };
    case 'crash':
      return { status: 'crash' };
    case 'timeout':
      return { status: 'timeout' };
  }
}

/** Run a behaviour (other than `lag` / `reject`) to its outcome. */
export async function runBehavior(
  behavior: Exclude<FunctionBehavior, { kind: 'lag' } | { kind: 'reject' }>,
  input: Json,
  context: FirestepContext | undefined,
): Promise<FunctionOutcome> {
  switch (behavior.kind) {
    case 'echo':
      return { kind: 'ok', output: input };
    case 'fail':
      return {
        kind: 'error',
        status: behavior.status ?? 500,
        message: behavior.message ?? 'fake function failed as told',
      };
    case 'crash':
      return { kind: 'crash' };
    case 'timeout':
      return { kind: 'timeout' };
    case 'handler':
      try {
        return { kind: 'ok', output: await behavior.run(input, context) };
      } catch (e) {
        return { kind: 'error', status: 500, message: e instanceof Error ? e.message : String(e) };
      }
  }
}
