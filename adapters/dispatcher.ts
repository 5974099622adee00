/**
 * The store's CommandDispatcher over the adapters: a launch goes to the Launcher of its target type,
 * a timer to the TimerScheduler, a cancel to the launcher's `cancel` (best effort), a notify to the
 * Notifier. A launcher that
 * throws instead of returning a result is classified like any other failed call, so a bug or an
 * outage in one adapter never escapes as an exception into the store's pump.
 */
import { type CancelCommand, type Command, commandId, type LaunchCommand } from '../engine/core/commands.ts';
import { isFirestepError } from '../engine/errors.ts';
import type { TargetType } from '../engine/flow/model.ts';
import type {
  CommandDispatcher,
  CorrelationKey,
  DispatchOutcome,
  Launcher,
  TimerScheduler,
} from '../engine/ports/index.ts';
import type { Notifier } from './notify/notifier.ts';
import { classifyLaunchError, configFailure } from './shared/launch-errors.ts';

export interface DispatcherOptions {
  /** One launcher per target type (later entries win). */
  launchers: readonly Launcher[];
  timers: TimerScheduler;
  /** Sends `notify` commands (flow `notify`); without it they fail with a configuration error. */
  notifier?: Notifier;
}

export interface AdapterDispatcher extends CommandDispatcher {
  /** The launcher of a target type (probes on timeout, cancels), if configured. */
  launcherFor(targetType: TargetType): Launcher | undefined;
}

/** A cancel carries what `Launcher.cancel` reads: the target and the receipt. */
function asLaunch(command: CancelCommand): LaunchCommand {
  return {
    kind: 'launch',
    id: commandId('launch', command.path, command.attempt),
    executionId: command.executionId,
    flowId: '',
    step: command.step,
    path: command.path,
    attempt: command.attempt,
    target: command.target,
    input: null,
    trace: { traceId: '0'.repeat(32), spanId: '0'.repeat(16) },
  };
}

/**
 * @example
 * const dispatcher = createDispatcher({ launchers: createLocalLaunchers({ … }), timers: new LocalTimerScheduler({ deliver }) });
 * await dispatcher.dispatch(command); // → { status: 'launched', receipt } | { status: 'done' } | …
 */
export function createDispatcher(opts: DispatcherOptions): AdapterDispatcher {
  const byType = new Map<TargetType, Launcher>(opts.launchers.map((l) => [l.targetType, l]));

  async function launch(command: LaunchCommand): Promise<DispatchOutcome> {
    const launcher = byType.get(command.target.type);
    if (!launcher)
      return configFailure(
        `no launcher is configured for ${command.target.type} targets (step "${command.step}")`,
      );
    try {
      return await launcher.launch(command);
    } catch (e) {
      return classifyLaunchError(e, `${command.target.type} launch of step "${command.step}"`);
    }
  }

  async function timer(command: Extract<Command, { kind: 'timer' }>): Promise<DispatchOutcome> {
    try {
      await opts.timers.schedule(command);
      return { status: 'done' };
    } catch (e) {
      const retryable = isFirestepError(e) ? e.retryable : undefined;
      const classified = classifyLaunchError(
        e,
        `scheduling the ${command.timer} timer of step "${command.step}"`,
      );
      if (retryable === true) return { status: 'retry', error: classified.error };
      return retryable === false ? { status: 'failed', error: classified.error } : classified;
    }
  }

  return {
    launcherFor: (type) => byType.get(type),
    correlationKeys(command: LaunchCommand): CorrelationKey[] {
      return byType.get(command.target.type)?.correlationKeys(command) ?? [];
    },
    async dispatch(command: Command): Promise<DispatchOutcome> {
      switch (command.kind) {
        case 'launch':
          return launch(command);
        case 'timer':
          return timer(command);
        case 'cancel': {
          const launcher = byType.get(command.target.type);
          if (launcher?.cancel && command.receipt) {
            try {
              await launcher.cancel(asLaunch(command), command.receipt);
            } catch {
              // Best effort: the execution is cancelled whether or not the platform stops the work.
            }
          }
          return { status: 'done' };
        }
        case 'startChild':
        case 'cancelChild':
        case 'notifyParent':
          // The store carries these out itself (engine/store/children.ts); never an adapter's.
          return {
            status: 'failed',
            error: {
              name: 'States.Runtime',
              kind: 'launch',
              message: `command "${command.id}" (${command.kind}) is the store's own; the dispatcher cannot carry it out`,
            },
          };
        case 'notify':
          if (!opts.notifier)
            return configFailure('this engine sends no notifications (no notifier configured)');
          try {
            return await opts.notifier.notify(command);
          } catch (e) {
            return classifyLaunchError(e, `notify[${command.rule}] of "${command.executionId}"`);
          }
      }
    },
  };
}
