/**
 * Test helper for ingest specs: registering correlation keys the way the store does (plain documents
 * at `correlations/{kind}:{value}`), and an `apply` that records what it was given.
 */
import type { Firestore } from '@google-cloud/firestore';
import type { Signal } from '../../engine/core/signals.ts';
import { FirestepError } from '../../engine/errors.ts';
import { type CorrelationKey, type CorrelationTarget, correlationDocId } from '../../engine/ports/index.ts';
import type { ApplyResult, IngestDeps } from '../../engine/signals/ingest.ts';
import { firestoreCorrelationLookup } from '../../engine/store/correlations.ts';
import { firestoreDeadLetters } from '../../engine/store/dead-letters.ts';

export async function register(db: Firestore, key: CorrelationKey, target: CorrelationTarget): Promise<void> {
  await db
    .collection('correlations')
    .doc(correlationDocId(key))
    .set({ ...target, key: correlationDocId(key), createdAt: '2026-11-23T10:00:00.000Z' });
}

export function target(
  executionId: string,
  path: string,
  attempt = 1,
  extra: Partial<CorrelationTarget> = {},
): CorrelationTarget {
  return {
    executionId,
    step: path.split('/').at(-1) ?? path,
    path,
    attempt,
    commandId: `launch~${encodeURIComponent(path)}~${attempt}`,
    targetType: 'CloudFunction',
    ...extra,
  };
}

export interface Recorder {
  applied: Array<{ executionId: string; signal: Signal }>;
  apply: IngestDeps['apply'];
}

/**
 * Records every applied signal. Executions listed in `missing` answer EXECUTION_NOT_FOUND, in `stale`
 * STALE_ATTEMPT (as the store would), without recording anything.
 */
export function recorder(
  opts: { missing?: string[]; stale?: string[]; answer?: ApplyResult['status'] } = {},
): Recorder {
  const applied: Recorder['applied'] = [];
  return {
    applied,
    async apply(executionId, signal) {
      if (opts.missing?.includes(executionId)) {
        throw new FirestepError('EXECUTION_NOT_FOUND', `execution "${executionId}" does not exist`);
      }
      if (opts.stale?.includes(executionId)) {
        throw new FirestepError(
          'STALE_ATTEMPT',
          `attempt ${'attempt' in signal ? signal.attempt : '?'} is not current`,
        );
      }
      applied.push({ executionId, signal });
      return { status: opts.answer ?? 'applied' };
    },
  };
}

export function deps(db: Firestore, rec: Recorder, extra: Partial<IngestDeps> = {}): IngestDeps {
  return {
    lookup: firestoreCorrelationLookup(db),
    deadLetters: firestoreDeadLetters(db, () => new Date('2026-11-23T12:00:00.000Z')),
    apply: rec.apply,
    ...extra,
  };
}
