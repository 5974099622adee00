/**
 * The message firestep's timer scheduler (Cloud Tasks) delivers when a timer the engine asked for
 * (retry delay, Wait step, step timeout) is due. `kind` tells it apart from LogEntries on the topic.
 */
import { z } from 'zod';
import { commandId, type TimerCommand } from '../../core/commands.ts';

/** `execution`: the flow's `timeout_seconds`, at path `$execution`, attempt = run (redriveCount + 1). */
export const TIMER_KINDS = ['retry', 'wait', 'timeout', 'execution'] as const;

export const TimerMessageSchema = z.object({
  kind: z.literal('firestep.timer'),
  executionId: z.string().min(1),
  /** Step path the timer belongs to, e.g. `Step2/1/Branch2`. */
  path: z.string().min(1),
  attempt: z.number().int().positive(),
  timer: z.enum(TIMER_KINDS),
  /** The outbox command that scheduled it: `timer-{timer}~{encoded path}~{attempt}`. */
  commandId: z.string().min(1),
});
export type TimerMessage = z.infer<typeof TimerMessageSchema>;

/**
 * Whether the message's command id is the one the engine would have issued for (timer, path,
 * attempt) — a cheap consistency check against hand-made or garbled timer messages.
 *
 * @example timerCommandMatches({ kind: 'firestep.timer', executionId: 'e', path: 'S', attempt: 2, timer: 'retry', commandId: 'timer-retry~S~2' }) // true
 */
export function timerCommandMatches(message: TimerMessage): boolean {
  return message.commandId === commandId(`timer-${message.timer}`, message.path, message.attempt);
}

/**
 * The message delivered when `command` is due.
 *
 * @example timerMessage(cmd) // → { kind: 'firestep.timer', executionId, path, attempt, timer, commandId: cmd.id }
 */
export function timerMessage(command: TimerCommand): TimerMessage {
  return {
    kind: 'firestep.timer',
    executionId: command.executionId,
    path: command.path,
    attempt: command.attempt,
    timer: command.timer,
    commandId: command.id,
  };
}
