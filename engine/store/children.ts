/**
 * Child executions (Map iterations): the outbox commands the store carries out itself, after the
 * deciding transaction committed, with no adapter involved.
 *
 * - `startChild` (parent's outbox): create the child execution — id `childId`, deterministic, so a
 *   repeated dispatch finds it — with the iterator's own definition and `parent` on its head, then
 *   run its outbox.
 * - `notifyParent` (child's outbox, written in the transaction that ended the child): apply a
 *   `child` signal to the parent through the same intake as every other signal (grouped, leased and
 *   batched under fan-in; deduped by `path#attempt#child#index`), then run the parent's outbox —
 *   where the next item's `startChild` waits.
 * - `cancelChild` (parent's outbox): apply `cancel` to the child.
 */
import type { ChildCommand, ParentRef, Signal, SignalSource, StepError } from '../core/index.ts';
import { iteratorDefinition } from '../core/map.ts';
import { isFirestepError } from '../errors.ts';
import type { FlowDefinition, MapStep } from '../flow/model.ts';
import { stepAt } from '../flow/paths.ts';
import type { DispatchOutcome } from '../ports/index.ts';
import type { StoreContext } from './context.ts';
import { drainInbox, submitGrouped } from './intake.ts';
import { ExecutionRefs } from './paths.ts';
import { pump } from './pump.ts';
import { withStoreRetry } from './retry.ts';
import { startInStore } from './start-execution.ts';
import type { StoredHead } from './types.ts';

/** Iterator definitions by `${parent hash}#${path}` (derived, deterministic: a plain cache). */
const iterators = new Map<string, FlowDefinition>();
const MAX_CACHED = 256;

/**
 * Carry out one child command.
 *
 * @example await dispatchChild(ctx, { kind: 'startChild', childId: 'e1~PerFile~1~0', … }) // {status: 'done'}
 */
export async function dispatchChild(ctx: StoreContext, command: ChildCommand): Promise<DispatchOutcome> {
  const source: SignalSource = { kind: 'dispatcher', id: command.id };
  switch (command.kind) {
    case 'startChild': {
      const def = await iteratorOf(ctx, command.parentDefinitionHash, command.path);
      if (def === undefined)
        return failed(
          `the Map "${command.path}" of definition ${command.parentDefinitionHash.slice(0, 12)}… is not stored; the child cannot start`,
        );
      const parent: ParentRef = {
        executionId: command.executionId,
        path: command.path,
        attempt: command.attempt,
        index: command.index,
        item: command.item,
      };
      await startInStore(ctx, def, command.input, { source }, { executionId: command.childId, parent });
      // The Map may have ended (failed, parent cancelled) while the child was being created: its
      // cancelChild then found nothing to cancel, so the child stops itself here.
      if (!(await mapStillRunning(ctx, parent))) {
        const reason = `Map "${command.step}" of execution "${command.executionId}" ended before this child started`;
        await applyAndPump(ctx, command.childId, { kind: 'cancel', reason, source });
        return { status: 'done' };
      }
      await pump(ctx, command.childId);
      return { status: 'done' };
    }
    case 'cancelChild':
      await applyAndPump(ctx, command.childId, { kind: 'cancel', reason: command.reason, source });
      return { status: 'done' };
    case 'notifyParent': {
      const ref = {
        path: command.path,
        attempt: command.attempt,
        index: command.index,
        childId: command.executionId,
        source,
      };
      const signal: Signal =
        command.outcome === 'succeeded'
          ? { kind: 'child', outcome: 'succeeded', output: command.output ?? null, ...ref }
          : {
              kind: 'child',
              outcome: 'failed',
              error: command.error ?? unknownFailure(command.executionId),
              ...ref,
            };
      await applyAndPump(ctx, command.parentId, signal);
      return { status: 'done' };
    }
  }
}

async function mapStillRunning(ctx: StoreContext, parent: ParentRef): Promise<boolean> {
  const snap = await withStoreRetry('reading a parent head', () =>
    new ExecutionRefs(ctx.db, parent.executionId).head.get(),
  );
  const head = snap.data() as StoredHead | undefined;
  const row = head?.steps?.[parent.path];
  return head?.status === 'RUNNING' && row?.status === 'RUNNING' && row.attempt === parent.attempt;
}

/** As ExecutionStore.apply: submit, run the outbox, pick up stranded inbox entries. */
async function applyAndPump(ctx: StoreContext, executionId: string, signal: Signal): Promise<void> {
  try {
    const report = await submitGrouped(ctx, executionId, [signal], { probeInbox: true });
    if (report.drained) await pump(ctx, executionId);
    if (await report.inboxProbe) {
      await drainInbox(ctx, executionId, new Map());
      await pump(ctx, executionId);
    }
  } catch (e) {
    // A child never started (its parent ended first) has nothing to cancel.
    if (isFirestepError(e) && e.code === 'EXECUTION_NOT_FOUND' && signal.kind === 'cancel') return;
    throw e;
  }
}

async function iteratorOf(
  ctx: StoreContext,
  hash: string,
  path: string,
): Promise<FlowDefinition | undefined> {
  const key = `${hash}#${path}`;
  const known = iterators.get(key);
  if (known !== undefined) return known;
  const parent = await ctx.definitions.find(hash);
  const step = parent === undefined ? undefined : stepAt(parent.flow, path);
  if (parent === undefined || step?.type !== 'Map') return undefined;
  const def = iteratorDefinition(parent, path, step as MapStep);
  if (iterators.size >= MAX_CACHED) iterators.clear();
  iterators.set(key, def);
  return def;
}

function failed(message: string): DispatchOutcome {
  return { status: 'failed', error: { name: 'States.Runtime', kind: 'child', message } };
}

function unknownFailure(childId: string): StepError {
  return {
    name: 'States.Runtime',
    kind: 'child',
    message: `child execution "${childId}" failed without an error`,
  };
}
