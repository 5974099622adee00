/** A chain of CloudFunction tasks (T0 → T1 → … → Tn-1): each completion launches the next. */
import { definitionHash } from '../../engine/flow/hash.ts';
import type { Flow, FlowDefinition, Step } from '../../engine/flow/model.ts';

/** A Task launching the Cloud Function `fn`, continuing at `next` or ending its (sub-)flow. */
export function fnTask(fn: string, next?: string): Step {
  const target = { type: 'CloudFunction' as const, name: fn };
  return next === undefined ? { type: 'Task', target, end: true } : { type: 'Task', target, next };
}

export function chainFlow(length: number): FlowDefinition {
  const steps: Record<string, Step> = {};
  for (let i = 0; i < length; i++)
    steps[`T${i}`] = fnTask('bench-fn', i + 1 < length ? `T${i + 1}` : undefined);
  const flow: Flow = { start: 'T0', steps };
  return { id: `chain-${length}`, flow, hash: definitionHash(flow) };
}

/** A Parallel of `n` one-task branches, then a Join task. */
export function fanFlow(n: number): FlowDefinition {
  const flow: Flow = {
    start: 'Fan',
    steps: {
      Fan: {
        type: 'Parallel',
        branches: Array.from({ length: n }, (_, i) => ({
          start: `B${i}`,
          steps: {
            [`B${i}`]: {
              type: 'Task',
              target: { type: 'CloudFunction', name: 'bench-branch' },
              end: true,
            } as Step,
          },
        })),
        next: 'Join',
      },
      Join: { type: 'Task', target: { type: 'CloudFunction', name: 'bench-join' }, end: true },
    },
  };
  return { id: `fan-${n}`, flow, hash: definitionHash(flow) };
}
