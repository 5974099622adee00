import { afterAll, describe, expect, it } from 'vitest';
import { cancel } from '../../cli/commands/cancel.ts';
import { redrive } from '../../cli/commands/redrive.ts';
import { start } from '../../cli/commands/start.ts';
import { loadFlowFile } from '../../cli/flow-file.ts';
import { runLocal } from '../../cli/local/run-local.ts';
import { verifyLog } from '../../cli/replay/verify.ts';
import type { ExecutionEvent } from '../../engine/core/events.ts';
import { namedExecutionId } from '../../engine/store/index.ts';
import { startLocalEnvironment } from '../../runtime/local/environment.ts';
import { programFakes } from '../../runtime/local/fakes.ts';
import { parseFaults } from '../../runtime/local/faults.ts';
import { followExecution } from '../../runtime/local/watch.ts';
import { bufferedIo, e2eScope, eventsOf } from './support.ts';

const scope = e2eScope('e2e-ctl');
afterAll(() => scope.cleanup());

const sample = await loadFlowFile('examples/sample-dag.json');

describe('start, cancel and redrive through the CLI commands', () => {
  it('given a project served by a local engine, when `start` records an execution, then the engine runs it to SUCCEEDED; the same name is idempotent', async () => {
    const project = scope.project();
    const env = await startLocalEnvironment({ definitions: [sample], projectId: project });
    try {
      const io = bufferedIo();
      expect(
        await start(
          'examples/sample-dag.json',
          { project, name: 'started-1', input: '{"day":"2026-11-23"}' },
          io,
        ),
      ).toBe(0);
      const executionId = io.out().trim();
      expect(executionId).toBe('sample-dag~started-1');
      const { db, store } = env.runtime;
      const follower = followExecution({ db, store, executionId, drain: true, onEvents: () => {} });
      const head = await follower.finished;
      await follower.stop();
      expect(head.status).toBe('SUCCEEDED');
      expect(head.input).toEqual({ day: '2026-11-23' });

      const again = bufferedIo();
      expect(
        await start(
          'examples/sample-dag.json',
          { project, name: 'started-1', input: '{"day":"2026-11-23"}' },
          again,
        ),
      ).toBe(0);
      expect(again.out()).toContain('already started');
      await expect(
        start(
          'examples/sample-dag.json',
          { project, name: 'started-1', input: '{"day":"other"}' },
          bufferedIo(),
        ),
      ).rejects.toMatchObject({ code: 'EXECUTION_CONFLICT' });
    } finally {
      await env.close();
    }
  });

  it('given a run whose Dataflow branch never finishes, when `cancel` is issued from another client, then the run ends CANCELLED (exit 2) and the job is stopped', async () => {
    const project = scope.project();
    const io = bufferedIo();
    const cancelIo = bufferedIo();
    let cancelCode: number | undefined;
    let dataflow: import('../../adapters/fakes/index.ts').FakeDataflow | undefined;
    const result = await runLocal({
      definition: sample,
      input: {},
      io,
      recordDir: scope.recordDir,
      projectId: project,
      hang: ['Branch1'],
      onStarted: async (executionId, env) => {
        // Wait until the hanging job is running, then cancel as `firestep cancel` would (its own store).
        const { store } = env.runtime;
        dataflow = env.fakes.dataflow;
        for (let i = 0; i < 200; i++) {
          const head = await store.getHead(executionId);
          if (head?.steps['Step2/0/Branch1']?.status === 'RUNNING') break;
          await new Promise((r) => setTimeout(r, 100));
        }
        cancelCode = await cancel(executionId, { project, reason: 'test says stop' }, cancelIo);
      },
    });

    expect(cancelCode).toBe(0);
    expect(cancelIo.out()).toContain('CANCELLED');
    expect(result.exitCode).toBe(2);
    expect(result.head.status).toBe('CANCELLED');
    expect(result.events.at(-1)).toMatchObject({ type: 'ExecutionCancelled', reason: 'test says stop' });
    expect(eventsOf(result.events, 'End')).toEqual([]);
    const jobs = [...(dataflow?.jobs.values() ?? [])].map((j) => j.job.currentState);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatch(/JOB_STATE_CANCELL(ING|ED)/);
  });

  it('given a cancelled or unknown execution, when `cancel` is issued, then it says so (exit 0 / EXECUTION_NOT_FOUND)', async () => {
    const project = scope.project();
    const run = await runLocal({
      definition: sample,
      input: {},
      io: bufferedIo(),
      recordDir: null,
      projectId: project,
      fail: ['Init'],
    });
    expect(run.head.status).toBe('FAILED');
    await expect(cancel(run.executionId, { project }, bufferedIo())).rejects.toMatchObject({
      code: 'EXECUTION_FINISHED',
    });
    await expect(cancel('sample-dag~nope', { project }, bufferedIo())).rejects.toMatchObject({
      code: 'EXECUTION_NOT_FOUND',
    });
  });

  it('given an execution failed by its Dataflow branch, when `redrive` is issued, then only the failed branch runs again and the execution succeeds', async () => {
    const project = scope.project();
    const env = await startLocalEnvironment({ definitions: [sample], projectId: project });
    try {
      const executionId = namedExecutionId(sample.id, 'redrive-me');
      programFakes(env.fakes, sample, executionId, parseFaults(sample.flow, { fail: ['Branch1:1'] }));
      const { db, store } = env.runtime;
      const follow = () => followExecution({ db, store, executionId, drain: true, onEvents: () => {} });

      await store.startExecution(sample, {}, { name: 'redrive-me' });
      const first = follow();
      expect((await first.finished).status).toBe('FAILED');
      await first.stop();

      const io = bufferedIo();
      expect(await redrive(executionId, { project }, io)).toBe(0);
      expect(io.out()).toContain('RUNNING again (redrive #1');
      const second = follow();
      const head = await second.finished;
      await second.stop();

      expect(head.status).toBe('SUCCEEDED');
      expect(head.steps['Step2/0/Branch1']?.attempt).toBe(2);
      expect(head.steps.Init?.attempt).toBe(1);
      const log: ExecutionEvent[] = await store.readEvents(executionId, { limit: 1000 });
      expect(log.map((e) => e.type)).toContain('ExecutionRedriven');
      expect(eventsOf(log, 'Init').filter((e) => e.type === 'StepLaunched')).toHaveLength(1);
      expect(eventsOf(log, 'Step2/0/Branch1').filter((e) => e.type === 'StepLaunched')).toHaveLength(2);
      expect(
        verifyLog(sample, log, { head: head as unknown as Record<string, unknown> }).divergence,
      ).toBeUndefined();
      await expect(redrive(executionId, { project }, bufferedIo())).rejects.toMatchObject({
        code: 'EXECUTION_FINISHED',
      });
    } finally {
      await env.close();
    }
  });
});
