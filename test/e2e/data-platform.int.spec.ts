/**
 * The issue-20 flow — wait for `_SUCCESS`, run a BigQuery query, then a Cloud Run job with the query's
 * row count — on the emulator-backed engine with the protocol fakes: completions arrive as the cloud
 * sends them (BigQuery audit entries through the sink topic, Cloud Run and Cloud Storage through
 * Eventarc CloudEvents) and are confirmed with the APIs. Retries adopt; each failure is named.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bigQueryJobId } from '../../adapters/bigquery/job-id.ts';
import { loadFlowFile } from '../../cli/flow-file.ts';
import type { ExecutionEvent } from '../../engine/core/events.ts';
import { namedExecutionId } from '../../engine/store/index.ts';
import { type LocalEnvironment, startLocalEnvironment } from '../../runtime/local/environment.ts';
import { programFakes } from '../../runtime/local/fakes.ts';
import { parseFaults } from '../../runtime/local/faults.ts';
import { followExecution } from '../../runtime/local/watch.ts';
import { e2eScope, eventsOf } from './support.ts';

const scope = e2eScope('e2e-data');
const flow = await loadFlowFile('examples/landing-to-report.json');
const short = await loadFlowFile('test/e2e/flows/landing-short-timeout.json');
let env: LocalEnvironment;

beforeAll(async () => {
  env = await startLocalEnvironment({ definitions: [flow, short], projectId: scope.project() });
}, 240_000);
afterAll(async () => {
  await env?.close();
  await scope.cleanup();
});

async function runOnce(
  def: typeof flow,
  name: string,
  faults: { fail?: string[]; hang?: string[] } = {},
  input = { date: '2026-12-01' },
) {
  const executionId = namedExecutionId(def.id, name);
  programFakes(env.fakes, def, executionId, parseFaults(def.flow, faults));
  const { db, store } = env.runtime;
  const events: ExecutionEvent[] = [];
  const follower = followExecution({
    db,
    store,
    executionId,
    drain: true,
    onEvents: (e) => events.push(...e),
  });
  await store.startExecution(def, input, { name });
  const head = await follower.finished;
  await follower.stop();
  return { executionId, head, events };
}

const failureOf = (events: ExecutionEvent[], path: string) =>
  eventsOf(events, path).find((e) => e.type === 'StepFailed') as
    | Extract<ExecutionEvent, { type: 'StepFailed' }>
    | undefined;

describe('wait for _SUCCESS → BigQuery → Cloud Run job, on the emulator-backed engine', () => {
  it('given the object lands later, when run, then the Wait ends on its finalized event and the job gets the query row count', async () => {
    const jobId = bigQueryJobId('CountEvents', namedExecutionId(flow.id, 'ok'), 'CountEvents', 1);
    env.fakes.bigquery.setBehavior(jobId, { rows: 42 });
    const { head, events } = await runOnce(flow, 'ok', {}, { date: '2026-12-02' });

    expect(head.status).toBe('SUCCEEDED');
    const waited = eventsOf(events, 'WaitForExport').find((e) => e.type === 'StepSucceeded');
    expect(waited).toMatchObject({
      output: { bucket: 'raw-landing', name: 'events/2026-12-02/_SUCCESS' },
      source: { kind: 'eventarc' },
    });
    const counted = eventsOf(events, 'CountEvents').find((e) => e.type === 'StepSucceeded');
    expect(counted).toMatchObject({
      output: { jobId, state: 'DONE', statementType: 'SELECT', numRows: 42 },
      source: { kind: 'log' },
    });
    const run = [...env.fakes.cloudRun.executions.values()].find((r) =>
      JSON.stringify(r.overrides).includes('2026-12-02'),
    );
    expect(run?.execution.template.containers[0]?.args).toEqual(['--date', '2026-12-02', '--rows', '42']);
    expect(head.output).toMatchObject({ execution: run?.execution.name, succeededCount: 1, failedCount: 0 });
  });

  it('given the object already exists, when run, then the Wait ends at launch (one objects.get) without an event', async () => {
    env.fakes.storage.land('gs://raw-landing/events/2026-12-03/_SUCCESS', 'done', 'text/plain', {
      notify: false,
    });
    const { head, events } = await runOnce(flow, 'present', {}, { date: '2026-12-03' });
    expect(head.status).toBe('SUCCEEDED');
    const waited = eventsOf(events, 'WaitForExport').find((e) => e.type === 'StepSucceeded');
    expect(waited).toMatchObject({ output: { size: 4 }, source: { kind: 'dispatcher' } });
  });

  it('given the insert answer is lost, when the launch is retried, then the 409 adopts the job inserted first', async () => {
    const jobId = bigQueryJobId('CountEvents', namedExecutionId(flow.id, 'lost'), 'CountEvents', 1);
    env.fakes.bigquery.setBehavior(jobId, { rows: 5, insertErrors: [{ status: 503, afterCreate: true }] });
    const before = env.fakes.bigquery.insertCount;
    const { head, events } = await runOnce(flow, 'lost', {}, { date: '2026-12-04' });
    expect(head.status).toBe('SUCCEEDED');
    expect(env.fakes.bigquery.insertCount - before).toBe(2);
    expect([...env.fakes.bigquery.jobs.keys()].filter((k) => k.endsWith(jobId))).toHaveLength(1);
    expect(eventsOf(events, 'CountEvents').find((e) => e.type === 'StepLaunched')).toMatchObject({
      receipt: { jobId, adopted: true },
    });
  });

  it('given a failing query, when run, then the step fails with BigQuery reason and the job never runs', async () => {
    const { head, events } = await runOnce(
      flow,
      'bq-fail',
      { fail: ['CountEvents'] },
      { date: '2026-12-05' },
    );
    expect(head.status).toBe('FAILED');
    expect(failureOf(events, 'CountEvents')?.error).toMatchObject({
      name: 'States.TaskFailed',
      kind: 'job',
      cause: { reason: 'invalidQuery' },
    });
    expect(eventsOf(events, 'Publish')).toEqual([]);
  });

  it('given a failing execution, when run, then the step fails naming the execution and its reason', async () => {
    const { head, events } = await runOnce(flow, 'run-fail', { fail: ['Publish'] }, { date: '2026-12-06' });
    expect(head.status).toBe('FAILED');
    expect(failureOf(events, 'Publish')?.error).toMatchObject({
      name: 'States.TaskFailed',
      cause: { reason: 'NON_ZERO_EXIT_CODE', failedCount: 1 },
    });
  });

  it('given the object never lands, when the Wait times out, then it fails with States.Timeout', async () => {
    const { head, events } = await runOnce(
      short,
      'never',
      { hang: ['WaitForExport'] },
      { date: '2026-12-07' },
    );
    expect(head.status).toBe('FAILED');
    expect(eventsOf(events, 'WaitForExport').map((e) => e.type)).toContain('StepTimedOut');
    expect(head.error).toMatchObject({ name: 'States.Timeout' });
    expect(eventsOf(events, 'CountEvents')).toEqual([]);
  });
});
