/**
 * The one reader of `correlations/{kind}:{value}` (written by the store in the launch transaction):
 * read by id, parsed with `CorrelationDocSchema` (documents.ts), so a hand-edited or foreign document
 * is STORE_CORRUPT_DOCUMENT, not a cast.
 */
import type { Firestore } from '@google-cloud/firestore';
import {
  type CorrelationKey,
  type CorrelationLookup,
  type CorrelationTarget,
  correlationDocId,
} from '../ports/index.ts';
import { CorrelationDocSchema, parseDocument } from './documents.ts';
import { COLLECTIONS } from './paths.ts';
import { withStoreRetry } from './retry.ts';

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
  const parsed = parseDocument(CorrelationDocSchema, 'correlation', snap.ref.path, snap.data());
  const t: CorrelationTarget = { ...parsed };
  if (t.projectId === undefined) delete t.projectId;
  if (t.region === undefined) delete t.region;
  return t;
}
