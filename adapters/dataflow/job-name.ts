/**
 * Deterministic Dataflow job names. Dataflow refuses a launch whose name is already used by an
 * *active* job (409), so a name derived from (target, execution, step path, attempt) makes a relaunch
 * of the same attempt meet its own job — which the launcher then adopts — while every other attempt
 * gets a fresh name. Names follow Dataflow's rule `[a-z]([-a-z0-9]{0,61}[a-z0-9])?` and begin with
 * the target name so people recognise their job in the console.
 */
import { createHash } from 'node:crypto';

/** Dataflow's job name rule (at most 63 characters). */
export const DATAFLOW_JOB_NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

const SUFFIX_LENGTH = 10;

/** Lower-case, `[^a-z0-9-]` → `-`, no leading non-letter, no doubled or trailing `-`. */
export function sanitizeJobNamePrefix(name: string): string {
  const cleaned = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, 63 - SUFFIX_LENGTH - 1)
    .replace(/-+$/, '');
  return cleaned === '' ? 'firestep' : cleaned;
}

/**
 * @example dataflowJobName('Word Count Demo', 'exec-1', 'Step2/0/Branch1', 1) // → 'word-count-demo-3f9a1c2b7d'
 */
export function dataflowJobName(
  targetName: string,
  executionId: string,
  path: string,
  attempt: number,
): string {
  const hash = createHash('sha256')
    .update(`${targetName}\n${executionId}\n${path}\n${attempt}`)
    .digest('hex');
  return `${sanitizeJobNamePrefix(targetName)}-${hash.slice(0, SUFFIX_LENGTH)}`;
}
