/**
 * The one reader of `correlations/{kind}:{value}` (written by the store in the launch transaction):
 * read by id, parsed, so a hand-edited or foreign document is a coded error, not a cast.
 */
import type { Firestore } from '@google-cloud/firestore';
import { z } from 'zod';
import { FirestepError } from '../errors.ts';
import {
  type CorrelationKey,
  type CorrelationLookup,
  type CorrelationTarget,
  correlationDocId,
} from '../ports/index.ts';
import { COLLECTIONS } from './paths.ts';
import { withStoreRetry } from './retry.ts';

const CorrelationTargetSchema = z.object({
  executionId: z.string().min(1),
  step: z.string(),
  path: z.string().min(1),
  attempt: z.number().int().positive(),
  commandId: z.string(),
  targetType: z.string(),
  projectId: z.string().optional(),
  region: z.string().optional(),
});

/**
 * @example const lookup = firestoreCorrelationLookup(db); await lookup.lookup({ kind: 'trace', value: traceId });
 */
export function firestoreCorrelationLookup(db: Firestore): CorrelationLookup {
  return {
    async lookup(key) {
      return readCorrelation(db, key);
    },
  };
}

/**
 * What a correlation key points at, if registered. Transient Firestore errors are retried like every
 * store read.
 *
 * @example await readCorrelation(db, { kind: 'trace', value: traceId }) // → { executionId, step, … } | undefined
 */
export async function readCorrelation(
  db: Firestore,
  key: CorrelationKey,
): Promise<CorrelationTarget | undefined> {
  const snap = await withStoreRetry('reading a correlation', () =>
    db.collection(COLLECTIONS.correlations).doc(correlationDocId(key)).get(),
  );
  if (!snap.exists) return undefined;
  const parsed = CorrelationTargetSchema.safeParse(snap.data());
  if (!parsed.success) {
    throw new FirestepError(
      'INTERNAL',
      `correlations/${snap.id} is not a correlation target: ${parsed.error.message}`,
    );
  }
  const t: CorrelationTarget = { ...parsed.data };
  if (t.projectId === undefined) delete t.projectId;
  if (t.region === undefined) delete t.region;
  return t;
}
