/**
 * Every execution is pinned to the definition hash it started with: a redeploy that changes a flow
 * (same id, new registry) leaves running executions on their old definition, and only new
 * executions use the new one. Two runtimes over one Firestore stand for the old and new deployment.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { traceFor } from '../../engine/core/trace.ts';
import { cloudFunction, defineFlow, end, task } from '../../engine/flow/index.ts';
import { createLocalRuntime } from '../../runtime/create-local-runtime.ts';
import { handleEngineMessage } from '../../runtime/handle-message.ts';
import { LOCAL_CALLBACK_SECRET } from '../../runtime/local-config.ts';
import { FlowRegistry } from '../../runtime/registry/registry.ts';
import type { Runtime } from '../../runtime/runtime.ts';
import { completionEntry, eventually, type Harness, startHarness } from './support.ts';

const at = { project_id: 'p', region: 'europe-west1' };
const v1 = defineFlow({
  id: 'pinned',
  start: 'A',
  steps: {
    A: task(cloudFunction('pin-a', at), { next: 'B' }),
    B: task(cloudFunction('pin-b', at), { next: 'Done' }),
    Done: end(),
  },
});
const v2 = defineFlow({
  id: 'pinned',
  start: 'A',
  steps: {
    A: task(cloudFunction('pin-a', at), { next: 'C' }),
    C: task(cloudFunction('pin-c', at), { next: 'Done' }),
    Done: end(),
  },
});

let h: Harness;
let redeployed: Runtime;

beforeAll(async () => {
  h = await startHarness({ registry: FlowRegistry.of([v1]), prefix: 'pinning' });
  redeployed = await createLocalRuntime(
    { projectId: h.projectId, fakes: { functionHostUrl: h.host.url, dataflowUrl: h.dataflow.url } },
    { db: h.runtime.db, registry: FlowRegistry.of([v2]) },
  );
});

afterAll(async () => {
  await redeployed?.close();
  await h?.close();
});

/** Deliver the completion line of (execution, path) to `runtime`, as its engine function would get it. */
async function complete(runtime: Runtime, executionId: string, path: string): Promise<void> {
  const entry = await eventually(() =>
    completionEntry(h.entries, traceFor(executionId, path, 1, LOCAL_CALLBACK_SECRET).traceId),
  );
  const outcome = await handleEngineMessage(entry, runtime, { via: 'test' });
  expect(outcome.status).toBe('applied');
}

describe('definition pinning across a redeploy', () => {
  it('given the two versions, then they differ in hash', () => {
    expect(v1.hash).not.toBe(v2.hash);
  });

  it('given an execution started on v1, when the flow is redeployed as v2, then it finishes on v1 and new executions use v2', async () => {
    const { executionId: old } = await h.runtime.store.startExecution(h.runtime.registry.get('pinned')!, {});

    // The new deployment receives every later signal of the old execution.
    await complete(redeployed, old, 'A');
    const invokedB = await eventually(() =>
      h.host.invocations.find((i) => i.name === 'pin-b' && i.context?.executionId === old),
    );
    expect(invokedB.context?.path).toBe('B');
    await complete(redeployed, old, 'B');

    const oldHead = await eventually(async () => {
      const head = await redeployed.store.getHead(old);
      return head?.status === 'SUCCEEDED' ? head : undefined;
    });
    expect(oldHead.definitionHash).toBe(v1.hash);
    expect(Object.keys(oldHead.steps).sort()).toEqual(['A', 'B']);
    expect(h.host.invocations.some((i) => i.name === 'pin-c' && i.context?.executionId === old)).toBe(false);

    const { executionId: fresh } = await redeployed.store.startExecution(
      redeployed.registry.get('pinned')!,
      {},
    );
    await complete(redeployed, fresh, 'A');
    await eventually(() =>
      h.host.invocations.find((i) => i.name === 'pin-c' && i.context?.executionId === fresh),
    );
    expect((await redeployed.store.getHead(fresh))?.definitionHash).toBe(v2.hash);
    expect(await redeployed.store.getDefinition(v1.hash)).toMatchObject({ id: 'pinned', hash: v1.hash });
    expect(await redeployed.store.getDefinition(v2.hash)).toMatchObject({ id: 'pinned', hash: v2.hash });
  });
});
