/**
 * The last step of replay verification: the replayed state against the stored head document, field
 * by field on what the head projection holds, naming the seq that last set a differing field.
 */
import type { ExecutionEvent } from '../../engine/core/events.ts';
import { toHead } from '../../engine/core/head.ts';
import type { ExecutionState } from '../../engine/core/state.ts';
import { canonical, firstDifference } from './canonical.ts';
import type { Divergence } from './verify.ts';

/** Which seq last changed each head field (`status`, `output`, …) and each step row (`steps.<path>`). */
export type ChangeIndex = Map<string, number>;

/** The value at a dotted path. */
export function pick(value: unknown, path: string): unknown {
  if (path === '') return value;
  return path
    .split('.')
    .reduce<unknown>(
      (v, k) => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[k] : undefined),
      value,
    );
}

/**
 * Record which head fields `event` changed.
 *
 * @example trackChanges(before, after, event.seq, index);
 */
export function trackChanges(
  before: ExecutionState | undefined,
  after: ExecutionState,
  seq: ExecutionEvent['seq'],
  index: ChangeIndex,
): void {
  for (const [key, value] of Object.entries(toHead(after))) {
    if (key === 'steps') continue;
    if (
      before === undefined ||
      canonical((before as unknown as Record<string, unknown>)[key]) !== canonical(value)
    ) {
      index.set(key, seq);
    }
  }
  for (const [path, row] of Object.entries(after.steps)) {
    if (canonical(before?.steps[path]) !== canonical(row)) index.set(`steps.${path}`, seq);
  }
}

/**
 * Compare the replayed state with a stored head; undefined when they agree.
 *
 * @example const divergence = compareHead(state, storedHead, index, recordedHash);
 */
export function compareHead(
  state: ExecutionState,
  stored: Record<string, unknown>,
  lastChange: Map<string, number>,
  recordedHash: string | undefined,
): Divergence | undefined {
  const storedLastSeq = typeof stored.lastSeq === 'number' ? stored.lastSeq : undefined;
  if (storedLastSeq !== undefined && storedLastSeq > state.lastSeq) {
    return {
      code: 'TRUNCATED',
      seq: state.lastSeq + 1,
      message: `the stored head is at seq ${storedLastSeq}, but the log ends at seq ${state.lastSeq}: events ${state.lastSeq + 1}…${storedLastSeq} are missing`,
    };
  }
  const replayed = { ...toHead(state), ...(recordedHash ? { definitionHash: recordedHash } : {}) } as Record<
    string,
    unknown
  >;
  replayed.steps = rowsAsStored(replayed.steps as Record<string, Record<string, unknown>>, stored.steps);
  const storedSubset = Object.fromEntries(Object.keys(replayed).map((k) => [k, stored[k]]));
  const field = firstDifference(storedSubset, replayed);
  if (field === undefined) return undefined;
  const parts = field.split('.');
  const key = parts[0] === 'steps' && parts[1] !== undefined ? `steps.${parts[1]}` : (parts[0] ?? '');
  const seq = lastChange.get(key) ?? state.lastSeq;
  return {
    code: 'HEAD_MISMATCH',
    seq,
    message: `the stored head differs from the replayed state at "${field}": stored ${canonical(pick(storedSubset, field))}, replayed ${canonical(pick(replayed, field))} (last set by seq ${seq})`,
  };
}

/** Row fields a head recorded by an older engine does not have yet (added by issue 14). */
const LATER_ROW_FIELDS = ['input', 'output'] as const;

/** The replayed rows without the fields a stored head predating them lacks, so old heads still verify. */
function rowsAsStored(
  rows: Record<string, Record<string, unknown>>,
  storedSteps: unknown,
): Record<string, Record<string, unknown>> {
  const stored = (typeof storedSteps === 'object' && storedSteps !== null ? storedSteps : {}) as Record<
    string,
    Record<string, unknown> | undefined
  >;
  return Object.fromEntries(
    Object.entries(rows).map(([path, row]) => {
      const old = stored[path];
      if (old === undefined) return [path, row];
      const copy = { ...row };
      for (const field of LATER_ROW_FIELDS) if (!(field in old)) delete copy[field];
      return [path, copy];
    }),
  );
}
