/**
 * A CommandDispatcher for the reliability suite: it stands for the platforms (an idempotent one:
 * the command id is the idempotency key, as for the real adapters), records every dispatch, and
 * can be told to fail in the ways a platform fails (transient `retry`, a thrown error, a terminal
 * launch failure). It is an implementation of the store's own port, not a mock of Firestore.
 */
import type { Command, LaunchCommand } from '../../../engine/core/index.ts';
import type { CommandDispatcher, CorrelationKey, DispatchOutcome } from '../../../engine/ports/index.ts';
import type { LaunchCounter } from './invariants.ts';

/** How one dispatch goes. `ok` = launched / done. */
export type DispatchFault = 'ok' | 'retry' | 'throw' | 'failed';

/** Chooses the fate of a dispatch: the command and how many times it was dispatched before. */
export type FaultPlan = (command: Command, previousCalls: number) => DispatchFault;

export class FaultyDispatcher implements CommandDispatcher, LaunchCounter {
  /** Every dispatch, in order, with its fate. */
  readonly calls: Array<{ command: Command; fault: DispatchFault }> = [];
  plan: FaultPlan = () => 'ok';
  /** Called for every dispatch that reached the platform (the world answers it later). */
  onAccepted: ((command: Command) => void) | undefined;
  /**
   * Launches answer `done` instead of a receipt: the `launched` signal then travels like any other
   * signal (the world delivers it), so it can arrive after the completion.
   */
  deferReceipts = false;
  /**
   * Behave like the real platforms, for which the command id is an idempotency key (Dataflow job
   * name, Cloud Tasks task name, Dataproc requestId): a second accepted dispatch of the same command
   * adopts the first launch instead of starting the work again. Counted in `adopted`.
   */
  idempotent = false;
  adopted = 0;

  async dispatch(command: Command): Promise<DispatchOutcome> {
    const previous = this.calls.filter(
      (c) => c.command.executionId === command.executionId && c.command.id === command.id,
    ).length;
    const fault = this.plan(command, previous);
    this.calls.push({ command, fault });
    const error = { name: 'States.LaunchFailed', kind: 'launch' as const, message: `injected ${fault}` };
    switch (fault) {
      case 'retry':
        return { status: 'retry', error, retryAfterSeconds: 0.001 };
      case 'throw':
        throw Object.assign(new Error('injected: connection reset'), { code: 'ECONNRESET' });
      case 'failed':
        return command.kind === 'launch' ? { status: 'failed', error } : { status: 'done' };
      case 'ok':
        if (
          this.idempotent &&
          command.kind === 'launch' &&
          this.calls.some(
            (c, i) =>
              i < this.calls.length - 1 &&
              c.fault === 'ok' &&
              c.command.executionId === command.executionId &&
              c.command.id === command.id,
          )
        )
          this.adopted++;
        this.onAccepted?.(command);
        if (command.kind !== 'launch' || this.deferReceipts) return { status: 'done' };
        return {
          status: 'launched',
          receipt: { target: command.target.type, traceId: command.trace.traceId },
        };
    }
  }

  correlationKeys(command: LaunchCommand): CorrelationKey[] {
    return [{ kind: 'trace', value: command.trace.traceId }];
  }

  /** Launch dispatches that reached the platform (`ok`), by `path#attempt`. */
  launchesOf(executionId: string): Map<string, number> {
    const counts = new Map<string, number>();
    const seen = new Set<string>();
    for (const { command, fault } of this.calls) {
      if (command.kind !== 'launch' || command.executionId !== executionId || fault !== 'ok') continue;
      if (this.idempotent && seen.has(command.id)) continue;
      seen.add(command.id);
      const key = `${command.path}#${command.attempt}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  }

  /** Launch commands that reached the platform, for one execution, in order. */
  launched(executionId: string): LaunchCommand[] {
    return this.calls.flatMap(({ command, fault }) =>
      command.kind === 'launch' && command.executionId === executionId && fault === 'ok' ? [command] : [],
    );
  }
}
