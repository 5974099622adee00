/**
 * Firestore listeners (onSnapshot) for readers that follow executions as they change — the web
 * console's live updates. They only say *that* something changed; what changed is read through the
 * store, so payloads kept out of line are resolved as everywhere else.
 */
import type { Firestore } from '@google-cloud/firestore';
import { COLLECTIONS } from './paths.ts';

/** Stops a listener. */
export type Unsubscribe = () => void;

/**
 * Call `onChange` whenever the head of one execution changes (and once at the start).
 *
 * @example const stop = watchExecution(db, 'sample-dag~x', () => void refresh());
 */
export function watchExecution(
  db: Firestore,
  executionId: string,
  onChange: () => void,
  onError: (e: Error) => void = () => {},
): Unsubscribe {
  return db
    .collection(COLLECTIONS.executions)
    .doc(executionId)
    .onSnapshot(() => onChange(), onError);
}

/**
 * Call `onChange` whenever one of the newest `limit` executions changes or a new one starts.
 *
 * @example const stop = watchExecutions(db, 50, () => void refreshList());
 */
export function watchExecutions(
  db: Firestore,
  limit: number,
  onChange: () => void,
  onError: (e: Error) => void = () => {},
): Unsubscribe {
  return db
    .collection(COLLECTIONS.executions)
    .orderBy('startedAt', 'desc')
    .limit(limit)
    .onSnapshot(() => onChange(), onError);
}
