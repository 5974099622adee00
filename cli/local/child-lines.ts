/**
 * `run --local --json` prints the events of the execution and of its Map iterations' child
 * executions. A child's lines carry its `executionId` and come right before the parent's
 * `MapIterationSucceeded` / `MapIterationFailed` line that records its end (its log is complete by
 * then: the child's last transaction is what notified the parent); children that never reported
 * (cancelled with their Map) are printed once the parent has finished.
 */
import type { ExecutionEvent } from '../../engine/core/events.ts';
import { childExecutionId } from '../../engine/core/map.ts';
import type { ExecutionStore } from '../../engine/store/index.ts';
import type { StoredHead } from '../../engine/store/types.ts';
import { toJsonLine } from '../render/event-line.ts';

/** Largest child log read in one call (a child is one iteration: a few steps). */
const PAGE = 1_000;

export class ChildLines {
  private readonly printed = new Set<string>();

  constructor(
    private readonly store: ExecutionStore,
    private readonly write: (text: string) => void,
  ) {}

  /** The lines of a batch of the root execution, each preceded by the children it records the end of. */
  async root(batch: readonly ExecutionEvent[], executionId: string): Promise<void> {
    for (const event of batch) {
      await this.childrenOf(executionId, event);
      this.write(`${toJsonLine(event)}\n`);
    }
  }

  /** After the root finished: children (and their children) not printed yet. */
  async rest(executionId: string, head: StoredHead | undefined): Promise<void> {
    for (const [path, progress] of Object.entries(head?.maps ?? {})) {
      for (let index = 0; index < progress.next; index++) {
        await this.child(childExecutionId(executionId, path, progress.attempt, index));
      }
    }
  }

  private async childrenOf(executionId: string, event: ExecutionEvent): Promise<void> {
    if (event.type !== 'MapIterationSucceeded' && event.type !== 'MapIterationFailed') return;
    await this.child(childExecutionId(executionId, event.path, event.attempt, event.index));
  }

  private async child(childId: string): Promise<void> {
    if (this.printed.has(childId)) return;
    this.printed.add(childId);
    const events = await this.store.readEvents(childId, { limit: PAGE });
    for (const event of events) {
      await this.childrenOf(childId, event);
      this.write(`${toJsonLine(event, childId)}\n`);
    }
    if (events.length > 0) await this.rest(childId, await this.store.getHead(childId));
  }
}
