/**
 * Contention without the drain lease: workers that run their transactions on one execution at the
 * same time are serialised by Firestore (ABORTED bodies re-run); every signal lands exactly once,
 * the log has no gap and no transaction leaves a partial write.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { applyBatch } from '../../engine/store/apply-batch.ts';
import { createContext } from '../../engine/store/context.ts';
import { ExecutionStore } from '../../engine/store/index.ts';
import { testFirestore } from '../support/firestore.ts';
import { fanOutFlow, RecordingDispatcher, succeeded } from './support.ts';

const BRANCHES = 8;

describe('concurrent transactions on one execution', () => {
  const t = testFirestore('store-contention');
  afterAll(() => t.cleanup());

  it('given 8 running branches, when 8 workers each apply one completion in their own transaction at once, then all land, seqs have no gap and the join fires once', async () => {
    // given
    const dispatcher = new RecordingDispatcher();
    const store = new ExecutionStore({ db: t.db, dispatcher });
    const { executionId } = await store.startExecution(fanOutFlow(BRANCHES), {});
    const workers = Array.from({ length: BRANCHES }, () => createContext({ db: t.db, dispatcher }));

    // when: straight to the transaction, bypassing the lease
    const results = await Promise.all(
      workers.map((ctx, i) => applyBatch(ctx, executionId, [{ signal: succeeded(`Fan/${i}/B${i}`, 1) }])),
    );

    // then
    expect(results.map((r) => r.outcomes[0]?.status)).toEqual(Array(BRANCHES).fill('applied'));
    const events = await store.readEvents(executionId);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const head = await store.getHead(executionId);
    expect(head?.lastSeq).toBe(events.length);
    expect(events.filter((e) => e.type === 'StepSucceeded')).toHaveLength(BRANCHES);
    const joins = results.flatMap((r) => r.commands).filter((c) => c.path === 'After');
    expect(joins).toHaveLength(1);
    expect((await store.listPendingCommands(executionId)).map((c) => c.commandId)).toEqual([
      'launch~After~1',
    ]);
    // every accepted signal's events exist (no partial write)
    const accepted = await t.db.collection(`executions/${executionId}/signals`).get();
    const seqs = new Set(events.map((e) => e.seq));
    for (const doc of accepted.docs)
      for (const seq of doc.get('seqs') as number[]) expect(seqs.has(seq)).toBe(true);
    const attempts = workers.reduce((sum, ctx) => sum + ctx.stats.transactionAttempts, 0);
    const commits = workers.reduce((sum, ctx) => sum + ctx.stats.transactions, 0);
    expect(commits).toBe(BRANCHES);
    expect(attempts).toBeGreaterThanOrEqual(commits);
  });
});
