/**
 * Deterministic BigQuery job ids. BigQuery refuses an insert whose job id already exists in the
 * project, whatever that job's state (409 "Already Exists"), so an id derived from (target, execution,
 * step path, attempt) makes a relaunch of the same attempt meet its own job — which the launcher then
 * adopts — while every other attempt gets a fresh id. Ids start with `firestep_` (the log sink's
 * filter keeps only firestep's jobs) and carry the target name so people recognise them.
 */
import { createHash } from 'node:crypto';

/** BigQuery's job id rule. */
export const BIGQUERY_JOB_ID = /^[A-Za-z0-9_-]{1,1024}$/;
/** Prefix of every job id firestep inserts (the sink filter matches it). */
export const JOB_ID_PREFIX = 'firestep_';

/**
 * @example bigQueryJobId('Count Events', 'exec-1', 'Count', 1) // → 'firestep_count_events_5b1d…' (20 hex)
 */
export function bigQueryJobId(
  targetName: string,
  executionId: string,
  path: string,
  attempt: number,
): string {
  const hash = createHash('sha256')
    .update(`${targetName}\n${executionId}\n${path}\n${attempt}`)
    .digest('hex');
  const name = targetName
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '_')
    .replace(/_{2,}/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 60);
  return `${JOB_ID_PREFIX}${name === '' ? 'query' : name}_${hash.slice(0, 20)}`;
}
