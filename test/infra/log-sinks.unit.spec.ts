/**
 * What the generated log sinks would export, decided by evaluating their filters (variables
 * substituted) against LogEntries in the exact shapes Cloud Logging writes (built by the same
 * builders the local fakes use). The point: completions of targets reach the engine; nothing
 * firestep's own functions log ever does.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { bigQueryJobEntry, runJobEntry } from '../../adapters/fakes/audit-entries.ts';
import {
  DATAFLOW_MESSAGES,
  dataflowJobMessage,
  gen1FinishedText,
  gen1Line,
  gen2RequestLog,
  type LogEntry,
} from '../../adapters/fakes/log-entries.ts';
import { compileLoggingFilter } from './logging-filter.ts';
import { loadModuleDir, resolveLocals, resolveVariables, type TerraformModule } from './terraform-model.ts';

const INFRA = new URL('../../infra', import.meta.url).pathname;
const SINKS = [
  'gen1_functions',
  'gen2_requests',
  'dataflow_jobs',
  'bigquery_jobs',
  'cloud_run_jobs',
] as const;
type Sink = (typeof SINKS)[number];

const at = new Date(0);
const base = { project: 'acme', region: 'europe-west1', at, insertId: 'i1' };
const trace = { traceId: '0af7651916cd43dd8448eb211c80319c' };

const gen1 = (functionName: string, text: string) =>
  gen1Line({ ...base, functionName, executionId: 'x1', trace }, text);
const gen2 = (service: string) =>
  gen2RequestLog({
    ...base,
    service,
    revision: `${service}-00001`,
    method: 'POST',
    url: '/',
    status: 200,
    latencyMs: 5,
    trace,
  });
const dataflow = (text: string) =>
  dataflowJobMessage({ ...base, jobId: '2024-01-01_j', jobName: 'word-count-a1' }, text);
const bq = (jobId: string, kind: 'jobInsertion' | 'jobChange', after: 'RUNNING' | 'DONE') =>
  bigQueryJobEntry({ ...base, location: 'EU', jobId, kind, after, query: 'SELECT 1' }) as unknown as LogEntry;
const runJob = (first: boolean) =>
  runJobEntry({
    ...base,
    job: 'publish-report',
    operation: 'projects/acme/locations/europe-west1/operations/op-1',
    first,
    execution: {
      name: 'projects/acme/locations/europe-west1/jobs/publish-report/executions/publish-report-abcde',
    },
  }) as unknown as LogEntry;
/** A structured application log line written by a gen2 function (what firestep's own log.ts writes). */
const appLine = (service: string, message: string): LogEntry => ({
  ...gen2(service),
  logName: 'projects/acme/logs/run.googleapis.com%2Fstdout',
  httpRequest: undefined,
  jsonPayload: { message, component: 'firestep' },
  textPayload: `Function execution took 12 ms, finished with status code: 200 (${message})`,
});

let m: TerraformModule;
beforeAll(async () => {
  m = await loadModuleDir(INFRA);
});

/** Which sinks export the entry, with the module's variables set to `values` (else their defaults). */
function exportedBy(entry: LogEntry, values: Record<string, string> = {}): Sink[] {
  return SINKS.filter((sink) => {
    const filter = resolveVariables(m, resolveLocals(m, `\${local.sink_filters.${sink}}`), values);
    return compileLoggingFilter(filter)(entry as unknown as Record<string, unknown>);
  });
}

describe('the generated sink filters, evaluated', () => {
  const cases: Array<[string, () => LogEntry, Sink[]]> = [
    [
      'a target gen1 function finishing with a status code',
      () => gen1('ingest-orders', gen1FinishedText(120, { statusCode: 200 })),
      ['gen1_functions'],
    ],
    [
      'a target gen1 function crashing',
      () => gen1('ingest-orders', gen1FinishedText(9, { status: 'crash' })),
      ['gen1_functions'],
    ],
    ['a target gen1 function starting', () => gen1('ingest-orders', 'Function execution started'), []],
    ['a target gen2 function request', () => gen2('ingest-orders'), ['gen2_requests']],
    [
      'Dataflow "Worker pool stopped."',
      () => dataflow(DATAFLOW_MESSAGES.workerPoolStopped),
      ['dataflow_jobs'],
    ],
    [
      'Dataflow "Workflow failed."',
      () => dataflow(DATAFLOW_MESSAGES.workflowFailed('boom')),
      ['dataflow_jobs'],
    ],
    ['a Dataflow launcher failure', () => dataflow(DATAFLOW_MESSAGES.launcherFailed), ['dataflow_jobs']],
    ['another Dataflow message', () => dataflow('Starting 1 workers in europe-west1-b...'), []],
    [
      'a firestep BigQuery job reaching DONE',
      () => bq('firestep_count_0123456789abcdef0123', 'jobChange', 'DONE'),
      ['bigquery_jobs'],
    ],
    [
      'a firestep BigQuery job inserted',
      () => bq('firestep_count_0123456789abcdef0123', 'jobInsertion', 'RUNNING'),
      [],
    ],
    ["somebody else's BigQuery job reaching DONE", () => bq('bquxjob_5e6f7a8b', 'jobChange', 'DONE'), []],
    ['a Cloud Run job run finishing (last RunJob entry)', () => runJob(false), ['cloud_run_jobs']],
    ['a Cloud Run job run starting (first RunJob entry)', () => runJob(true), []],
    // firestep itself: never exported, whatever it logs or however it is deployed.
    [
      'the engine as gen1, finishing',
      () => gen1('firestep-engine', gen1FinishedText(3, { statusCode: 200 })),
      [],
    ],
    ['the API as gen1, finishing', () => gen1('firestep-api', gen1FinishedText(3, { statusCode: 200 })), []],
    [
      'the push entry point as gen1, finishing',
      () => gen1('firestep-engine-push', gen1FinishedText(3, { statusCode: 200 })),
      [],
    ],
    ['a request to the engine (Eventarc)', () => gen2('firestep-engine'), []],
    ['a request to the push entry point (Pub/Sub)', () => gen2('firestep-engine-push'), []],
    ['a request to the API (timers, sweep, callbacks)', () => gen2('firestep-api'), []],
    ['an application log line of the engine', () => appLine('firestep-engine-push', 'signal applied'), []],
  ];

  for (const [what, entry, sinks] of cases) {
    it(`given ${what}, then it is exported by ${sinks.length ? sinks.join(', ') : 'no sink'}`, () => {
      expect(exportedBy(entry())).toEqual(sinks);
    });
  }

  it('given custom function names, when the engine is renamed, then the exclusions follow the variables', () => {
    const values = { engine_function_name: 'acme-engine', api_function_name: 'acme-api' };
    expect(exportedBy(gen2('acme-engine'), values)).toEqual([]);
    expect(exportedBy(gen2('acme-engine-push'), values)).toEqual([]);
    expect(exportedBy(gen2('acme-api'), values)).toEqual([]);
    expect(exportedBy(gen2('firestep-engine'), values)).toEqual(['gen2_requests']);
  });

  it('given a request_log_scope with an OR, when evaluated, then it narrows the sink and cannot re-admit the engine', () => {
    const values = {
      request_log_scope:
        'resource.labels.service_name="ingest-orders" OR resource.labels.service_name="firestep-engine-push"',
    };
    expect(exportedBy(gen2('ingest-orders'), values)).toEqual(['gen2_requests']);
    expect(exportedBy(gen2('unrelated-service'), values)).toEqual([]);
    expect(exportedBy(gen2('firestep-engine-push'), values)).toEqual([]);
  });
});

describe('compileLoggingFilter', () => {
  const entry = { resource: { type: 'x', labels: { a: 'b' } }, textPayload: 'hello world' };

  it.each([
    ['resource.type="x"', true],
    ['resource.type="y"', false],
    ['textPayload:"lo wo"', true],
    ['NOT resource.labels.missing="b"', true],
    ['resource.labels.missing!="b"', false],
    ['resource.type="y" OR resource.labels.a="b"', true],
    ['resource.type="x" AND resource.type="y" OR textPayload:"hello"', true],
    ['NOT (resource.type="x" AND textPayload:"hello")', false],
  ])('given %s, then it evaluates to %s', (filter, expected) => {
    expect(compileLoggingFilter(filter)(entry)).toBe(expected);
  });

  it('given syntax outside the subset, then it refuses instead of guessing', () => {
    expect(() => compileLoggingFilter('severity>=ERROR')).toThrow(/cannot read/);
    expect(() => compileLoggingFilter('(resource.type="x"')).toThrow(/missing \)/);
  });
});
