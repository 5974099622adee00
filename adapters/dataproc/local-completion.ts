/**
 * Local runs have a process that lives for the whole execution, so Dataproc completion can be
 * polled there: this wraps the Dataproc launcher so that every launched workflow is watched
 * (`DataprocPoller`) and its end is reported through the SDK callback protocol — the same message a
 * wrapped function would send, carrying the attempt's callback token — into the engine's signal path.
 */
import type { LaunchCommand } from '../../engine/core/commands.ts';
import type { Launcher, LaunchResult } from '../../engine/ports/index.ts';
import { type CallbackMessage, callbackToken } from '../../engine/signals/wire/callback.ts';
import { DataprocPoller, type TerminalProbe } from './poller.ts';

export interface LocalCompletionOptions {
  secret: string;
  deliver: (message: CallbackMessage) => void | Promise<void>;
  intervalMs?: number;
}

/** The callback message reporting a finished workflow. */
export function completionCallback(
  secret: string,
  command: LaunchCommand,
  operation: string,
  result: TerminalProbe,
): CallbackMessage {
  return {
    kind: 'firestep.callback',
    id: `dataproc-done-${operation.split('/').pop() ?? operation}`,
    token: callbackToken(secret, command.executionId, command.id),
    executionId: command.executionId,
    path: command.path,
    attempt: command.attempt,
    ...(result.state === 'succeeded'
      ? { outcome: 'succeeded' as const, output: result.output ?? null }
      : {
          outcome: 'failed' as const,
          error: { name: result.error.name, message: result.error.message, cause: result.error.cause },
        }),
  };
}

/**
 * @example
 * const dataproc = withLocalCompletion(new DataprocLauncher({ … }), { secret, deliver: (m) => ingest(m, deps) });
 */
export function withLocalCompletion(launcher: Launcher, opts: LocalCompletionOptions): Launcher {
  const poller = new DataprocPoller(launcher, { intervalMs: opts.intervalMs ?? 50, unref: true });
  return {
    targetType: launcher.targetType,
    correlationKeys: (command) => launcher.correlationKeys(command),
    ...(launcher.probe ? { probe: launcher.probe.bind(launcher) } : {}),
    ...(launcher.cancel ? { cancel: launcher.cancel.bind(launcher) } : {}),
    async launch(command: LaunchCommand): Promise<LaunchResult> {
      const result = await launcher.launch(command);
      if (result.status === 'launched' && typeof result.receipt.operation === 'string') {
        const operation = result.receipt.operation;
        poller.watch(command, result.receipt, (done) =>
          opts.deliver(completionCallback(opts.secret, command, operation, done)),
        );
      }
      return result;
    },
  };
}
