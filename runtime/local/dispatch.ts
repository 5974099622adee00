/**
 * How the CLI's writing commands (`start`, `cancel`, `redrive`) carry out what their decision asks
 * (launches, timers, best-effort stops). The CLI records the decision in Firestore itself; the
 * commands are then left PENDING in the execution's outbox for the engine that serves the project —
 * the deployed engine's sweep, or the engine of a `run --local --keep` session — to dispatch with
 * its own launchers and credentials. The CLI never launches users' work from a laptop.
 */
import type { Command } from '../../engine/core/commands.ts';
import type { CommandDispatcher, DispatchOutcome } from '../../engine/ports/index.ts';

/**
 * A dispatcher that defers every command to the project's engine: the outbox entry stays PENDING
 * for a second (one dispatch attempt is counted), then the engine's sweep picks it up.
 *
 * @example new ExecutionStore({ db, dispatcher: deferredDispatcher })
 */
export const deferredDispatcher: CommandDispatcher = {
  dispatch: async (command: Command): Promise<DispatchOutcome> => ({
    status: 'retry',
    error: {
      name: 'Firestep.Deferred',
      kind: 'launch',
      message: `command ${command.id} was recorded by the CLI and is left for the engine's sweep to dispatch`,
    },
    // Not due again for a second: the CLI's own store stops pumping, and the engine's sweep (or a
    // local run's drain) dispatches it right after.
    retryAfterSeconds: 1,
  }),
  correlationKeys: () => [],
};
