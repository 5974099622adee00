/**
 * Which signal a recorded event came from. Replay verification re-runs `decide` on these signals to
 * check that each recorded event is one the engine would have produced. Events that only ever
 * *follow* another event inside one decision (a retry scheduled after a failure, the execution's
 * own end) have no signal of their own: finding one at the start of a decision is a divergence.
 */
import { commandId, EXECUTION_TIMER_PATH } from '../../engine/core/commands.ts';
import type { ExecutionEvent, SignalSource } from '../../engine/core/events.ts';
import type { Signal } from '../../engine/core/signals.ts';

/** The signal that opens the decision recording `event`, or undefined for a follow-on event. */
export function signalOf(event: ExecutionEvent): Signal | undefined {
  const source: SignalSource = event.source ?? { kind: 'api' };
  switch (event.type) {
    case 'StepLaunched':
      return {
        kind: 'launched',
        commandId: event.commandId,
        receipt: event.receipt,
        ...(event.input === undefined ? {} : { input: event.input }),
        path: event.path,
        attempt: event.attempt,
        source,
      };
    case 'StepSucceeded':
      return {
        kind: 'completed',
        outcome: 'succeeded',
        output: event.output,
        path: event.path,
        attempt: event.attempt,
        source,
      };
    case 'StepConfirmed':
      return {
        kind: 'completed',
        outcome: 'succeeded',
        output: null,
        platform: true,
        path: event.path,
        attempt: event.attempt,
        source,
      };
    case 'LateOutputRejected':
      return {
        kind: 'completed',
        outcome: 'succeeded',
        output: event.output,
        path: event.path,
        attempt: event.attempt,
        source,
      };
    case 'StepFailed':
      // A missing reference fails the step inside the decision that tried to launch it.
      // So does a Map whose items are unreadable or whose failures breach its tolerance.
      if (event.error.kind === 'reference' || event.error.kind === 'child') return undefined;
      return event.error.kind === 'launch'
        ? {
            kind: 'launchFailed',
            commandId: commandId('launch', event.path, event.attempt),
            error: event.error,
            path: event.path,
            attempt: event.attempt,
            source,
          }
        : {
            kind: 'completed',
            outcome: 'failed',
            error: event.error,
            path: event.path,
            attempt: event.attempt,
            source,
          };
    case 'StepTimedOut':
      return { kind: 'timer', timer: 'timeout', path: event.path, attempt: event.attempt, source };
    case 'TimerFired':
      return { kind: 'timer', timer: event.timer, path: event.path, attempt: event.attempt, source };
    case 'StepLogged':
      return {
        kind: 'logged',
        lines: event.lines,
        ...(event.metadata === undefined ? {} : { metadata: event.metadata }),
        path: event.path,
        attempt: event.attempt,
        source,
      };
    case 'MapIterationSucceeded':
      return {
        kind: 'child',
        outcome: 'succeeded',
        output: event.output,
        index: event.index,
        childId: event.childId,
        path: event.path,
        attempt: event.attempt,
        source,
      };
    case 'MapIterationFailed':
      return {
        kind: 'child',
        outcome: 'failed',
        error: event.error,
        index: event.index,
        childId: event.childId,
        path: event.path,
        attempt: event.attempt,
        source,
      };
    case 'ExecutionCancelled':
      return { kind: 'cancel', reason: event.reason, source };
    case 'ExecutionRedriven':
      return { kind: 'redrive', source };
    case 'NotificationSent':
    case 'NotificationFailed':
      return {
        kind: 'notified',
        outcome: event.type === 'NotificationSent' ? 'sent' : 'failed',
        commandId: event.commandId,
        rule: event.rule,
        round: event.round,
        channel: event.channel,
        ...(event.type === 'NotificationSent' && event.messageId !== undefined
          ? { messageId: event.messageId }
          : {}),
        ...(event.type === 'NotificationSent' && event.httpStatus !== undefined
          ? { httpStatus: event.httpStatus }
          : {}),
        ...(event.type === 'NotificationFailed' ? { error: event.error } : {}),
        source,
      };
    case 'ExecutionTimedOut':
      return { kind: 'timer', timer: 'execution', path: EXECUTION_TIMER_PATH, attempt: event.run, source };
    case 'ExecutionStarted':
    case 'MapStarted':
    case 'ChoiceTaken':
    case 'StepRetryScheduled':
    case 'ExecutionSucceeded':
    case 'ExecutionFailed':
      return undefined;
  }
}
