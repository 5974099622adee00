/**
 * Notifications (flow `notify`): when an execution ends, one `notify` command per rule whose `on`
 * lists the end status, written to the outbox by the transaction that records the ending event. The
 * outbox dispatches it after commit (Pub/Sub publish or webhook POST) with its retry policy, and the
 * outcome comes back as a `notified` signal, recorded as `NotificationSent` / `NotificationFailed`.
 * The command id is deterministic per (rule, round), so a redelivered terminal signal — which admit
 * ignores anyway — can never create a second one; a redriven execution that ends again is a new round.
 */
import type { FlowDefinition, Json, NotifyOn } from '../flow/model.ts';
import type { StepError } from './events.ts';
import type { ExecutionState } from './state.ts';

/** Where a notification goes. */
export type NotifyChannel = { pubsub: string } | { webhook: string };

/**
 * The JSON a notification carries (Pub/Sub message data, webhook body). A contract with receivers:
 * fields are only ever added.
 */
export interface NotificationPayload {
  /** Always `firestep.execution.finished`. */
  type: 'firestep.execution.finished';
  executionId: string;
  flowId: string;
  /** The end status: SUCCEEDED, FAILED, TIMED_OUT or CANCELLED. */
  status: NotifyOn;
  /** The caller-given or trigger-derived name, when the execution has one. */
  name?: string;
  startedAt: string;
  finishedAt: string;
  /** FAILED / TIMED_OUT: the execution's error ({name, kind, message, cause?}). */
  error?: StepError;
  /** CANCELLED: the reason given. */
  reason?: string;
  /** How many times the execution was redriven before this end (0 for a first run). */
  redriveCount: number;
  /** Where to look: a CLI command (the deployed adapter may add `--project`). */
  hint: string;
}

/** Carry out one notification (the outbox's `notify` command). */
export interface NotifyCommand {
  /** `notify~<rule>~<round>`: {@link notifyCommandId}. */
  id: string;
  kind: 'notify';
  executionId: string;
  flowId: string;
  /** Outbox bookkeeping fields every command has: `(notify)`, `notify[<rule>]`, the round. */
  step: string;
  path: string;
  attempt: number;
  /** Position of the rule in the flow's `notify`. */
  rule: number;
  channel: NotifyChannel;
  payload: NotificationPayload;
}

/**
 * The id of rule `rule`'s notification for the execution's `round`-th end (1 + redrive count).
 *
 * @example notifyCommandId(0, 1) === 'notify~0~1'
 */
export function notifyCommandId(rule: number, round: number): string {
  return `notify~${rule}~${round}`;
}

/**
 * The end status a notify rule's `on` is matched against, or undefined while running. An execution
 * ended by its own time limit (`ExecutionTimedOut`, issue 18's execution timeout) is TIMED_OUT
 * whatever status that event gives it.
 *
 * @example endStatus(failedState, 'ExecutionFailed') === 'FAILED'
 */
export function endStatus(state: ExecutionState, endingEvent?: string): NotifyOn | undefined {
  if (endingEvent === 'ExecutionTimedOut' && state.status !== 'RUNNING') return 'TIMED_OUT';
  const status = state.status as string;
  return status === 'SUCCEEDED' || status === 'FAILED' || status === 'CANCELLED' || status === 'TIMED_OUT'
    ? status
    : undefined;
}

/**
 * The notify commands of an execution that just ended (`state` is the state after the ending event
 * `ending`, with the cancel `reason` if any). Pure: `now` is the end time.
 *
 * @example notifyCommands(def, failedState, now).map((c) => c.id) // ['notify~0~1']
 */
export function notifyCommands(
  def: FlowDefinition,
  state: ExecutionState,
  now: string,
  ending: { type: string; reason?: string } = { type: '' },
): NotifyCommand[] {
  const { reason } = ending;
  const status = endStatus(state, ending.type);
  if (status === undefined) return [];
  const round = state.redriveCount + 1;
  const payload: NotificationPayload = {
    type: 'firestep.execution.finished',
    executionId: state.executionId,
    flowId: state.flowId,
    status,
    ...(state.name === undefined ? {} : { name: state.name }),
    startedAt: state.startedAt,
    finishedAt: now,
    ...(state.error === undefined || status === 'SUCCEEDED' ? {} : { error: state.error }),
    ...(reason === undefined ? {} : { reason }),
    redriveCount: state.redriveCount,
    hint: `firestep history ${state.executionId}`,
  };
  return (def.flow.notify ?? []).flatMap((rule, index): NotifyCommand[] =>
    rule.on.includes(status)
      ? [
          {
            id: notifyCommandId(index, round),
            kind: 'notify',
            executionId: state.executionId,
            flowId: state.flowId,
            step: '(notify)',
            path: `notify[${index}]`,
            attempt: round,
            rule: index,
            channel: rule.pubsub !== undefined ? { pubsub: rule.pubsub } : { webhook: rule.webhook },
            payload,
          },
        ]
      : [],
  );
}

/**
 * The Pub/Sub attributes of a notification (for subscription filters such as
 * `attributes.status = "FAILED"`).
 *
 * @example notificationAttributes(payload) // {type: 'firestep.execution.finished', executionId: 'e1', flowId: 'f', status: 'FAILED', errorName: 'States.TaskFailed'}
 */
export function notificationAttributes(payload: NotificationPayload): Record<string, string> {
  return {
    type: payload.type,
    executionId: payload.executionId,
    flowId: payload.flowId,
    status: payload.status,
    ...(payload.error === undefined ? {} : { errorName: payload.error.name }),
  };
}

/** What a notification dispatch produced, as the event records it. */
export type NotificationOutcome =
  | { outcome: 'sent'; channel: NotifyChannel; messageId?: string; httpStatus?: number }
  | { outcome: 'failed'; channel: NotifyChannel; error: StepError };

/** JSON form of a payload (it is plain data). */
export function payloadJson(payload: NotificationPayload): Json {
  return payload as unknown as Json;
}
