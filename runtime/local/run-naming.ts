/**
 * What every local way of starting a run (`run --local`, `run --local` on a running `dev`, a start
 * from the console) shares: the name a run gets when the user gives none, and how many attempts of
 * one step the local fakes must be ready to answer.
 */
import { randomBytes } from 'node:crypto';
import type { FlowDefinition } from '../../engine/flow/model.ts';

/**
 * A fresh run name: the UTC time to the second and 4 random hex digits.
 *
 * @example localRunName('local') // 'local-20261205-131502-9f3a'
 */
export function localRunName(prefix: 'local' | 'dev'): string {
  const stamp = new Date().toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
  return `${prefix}-${stamp}-${randomBytes(2).toString('hex')}`;
}

/** The most attempts any step can get: the first, every retry, and a few redrives. */
export function attemptBound(def: FlowDefinition): number {
  let retries = 0;
  const visit = (steps: FlowDefinition['flow']['steps']): void => {
    for (const step of Object.values(steps)) {
      if (step.type === 'Task') for (const r of step.retry ?? []) retries = Math.max(retries, r.max_attempts);
      if (step.type === 'Parallel') for (const b of step.branches) visit(b.steps);
    }
  };
  visit(def.flow.steps);
  return 1 + retries + 5;
}
