/**
 * Flows and signals the reliability specs drive. Built with the TypeScript builder, so they are
 * validated and hashed exactly as users' flows are.
 */
import type { Signal } from '../../../engine/core/index.ts';
import { definitionHash } from '../../../engine/flow/hash.ts';
import { branch, cloudFunction, defineFlow, parallel, task } from '../../../engine/flow/index.ts';
import type { FlowDefinition, Json } from '../../../engine/flow/model.ts';
import { validateFlow } from '../../../engine/flow/validate.ts';

const loc = { project_id: 'rel-project', region: 'europe-west1' } as const;

/** A → B → C, three Cloud Function tasks. */
export const chainFlow = defineFlow({
  id: 'rel-chain',
  start: 'A',
  steps: {
    A: task(cloudFunction('rel-a', loc), { next: 'B' }),
    B: task(cloudFunction('rel-b', loc), { next: 'C' }),
    C: task(cloudFunction('rel-c', loc), { end: true }),
  },
});

/** Pre → Parallel(Left: retry once then catch → Rescue; Right) → Join. */
export const retryCatchFlow = defineFlow({
  id: 'rel-retry-catch',
  start: 'Pre',
  steps: {
    Pre: task(cloudFunction('rel-pre', loc), { next: 'Fan' }),
    Fan: parallel({
      branches: [
        branch({
          start: 'Left',
          steps: {
            Left: task(cloudFunction('rel-left', loc), {
              retry: { max_attempts: 2, interval_seconds: 1 },
              catch: [{ next: 'Rescue' }],
              end: true,
            }),
            Rescue: task(cloudFunction('rel-rescue', loc), { end: true }),
          },
        }),
        branch({ start: 'Right', steps: { Right: task(cloudFunction('rel-right', loc), { end: true }) } }),
      ],
      next: 'Join',
    }),
    Join: task(cloudFunction('rel-join', loc), { end: true }),
  },
});

/** A Parallel of `k` single-task branches, then `After`: the fan-in shape. */
export function fanFlow(k: number): FlowDefinition {
  const branches = Array.from({ length: k }, (_, i) => ({
    start: `B${i}`,
    steps: { [`B${i}`]: { type: 'Task', target: cloudFunction(`rel-fn-${i}`, loc), end: true } },
  }));
  const raw = {
    start: 'Fan',
    steps: {
      Fan: { type: 'Parallel', branches, next: 'After' },
      After: { type: 'Task', target: cloudFunction('rel-after', loc), end: true },
    },
  };
  const check = validateFlow(raw);
  if (check.flow === undefined) throw new Error(`fan flow invalid: ${JSON.stringify(check.errors)}`);
  return { id: `rel-fan-${k}`, flow: check.flow, hash: definitionHash(check.flow) };
}

/** The completion a log entry would report for a step attempt. */
export function succeeded(
  path: string,
  attempt = 1,
  output: Json = { path },
  sourceId = `log-${path}-${attempt}`,
): Signal {
  return {
    kind: 'completed',
    outcome: 'succeeded',
    path,
    attempt,
    output,
    source: { kind: 'log', id: sourceId },
  };
}

export function failed(path: string, attempt = 1): Signal {
  const error = {
    name: 'States.TaskFailed',
    kind: 'function' as const,
    message: `${path} attempt ${attempt} failed`,
  };
  return {
    kind: 'completed',
    outcome: 'failed',
    path,
    attempt,
    error,
    source: { kind: 'log', id: `log-${path}-${attempt}-failed` },
  };
}
