/**
 * The protocol fakes of a local run — a Cloud Functions host, a Dataflow service, a Dataproc service
 * and a generic HTTP endpoint for Http targets — wired to the run's signal bus, and programmed from
 * the fault plan:
 * - every Cloud Function of the flow answers through a handler that, per step attempt (read from the
 *   firestep context the launch carries), echoes its input, fails (HTTP 500, "finished with status
 *   code: 500") or never answers; it also calls back through the SDK protocol, as a function using
 *   `firestep/sdk` does, so outputs flow to later steps — and, as the SDK does, before it answers, so
 *   the callback (with the output) is in before the platform's log line is written;
 * - every Http target answers per step attempt: `sync` → 200 with `{ target, step, attempt, url,
 *   input }` or, when faulted, 422 (a failure of the step, not a transient fault) or no answer;
 *   `async` → 202, then a callback with that output or the failure, or none;
 * - a Dataflow job of a faulted step attempt is scripted by its exact, deterministic job name to end
 *   with "Workflow failed." or to stay RUNNING;
 * - Dataproc workflows are scripted per target (the fake keys them by target, not by step).
 */
import { bigQueryJobId } from '../../adapters/bigquery/job-id.ts';
import { runKey } from '../../adapters/cloud-run-job/launcher.ts';
import { dataflowJobName } from '../../adapters/dataflow/job-name.ts';
import {
  type CloudEventLike,
  EndpointError,
  type FakeBigQuery,
  type FakeCloudRunJobs,
  type FakeDataflow,
  type FakeDataproc,
  type FakeFunctionHost,
  type FakeHttpEndpoint,
  type FakeStorage,
  startFakeBigQuery,
  startFakeCloudRunJobs,
  startFakeDataflow,
  startFakeDataproc,
  startFakeFunctionHost,
  startFakeHttpEndpoint,
  startFakeStorage,
} from '../../adapters/fakes/index.ts';
import type { FlowDefinition, Json } from '../../engine/flow/model.ts';
import type { FaultPlan } from './faults.ts';
import { taskSteps } from './faults.ts';

export interface LocalFakes {
  functions: FakeFunctionHost;
  dataflow: FakeDataflow;
  dataproc: FakeDataproc;
  http: FakeHttpEndpoint;
  bigquery: FakeBigQuery;
  cloudRun: FakeCloudRunJobs;
  storage: FakeStorage;
  close(): Promise<void>;
}

export interface FakesOptions {
  /** Where the fakes' log entries and SDK callbacks go (the log sink / reply topic). */
  publish: (message: unknown) => void;
  /**
   * Where SDK callbacks go, resolving once the engine has them (the signal bus's `deliver`); default
   * `publish`. A fake function answers and logs only after this resolves.
   */
  deliver?: (message: unknown) => Promise<void>;
  /** Also told of every finalized object of the fake Cloud Storage (`dev`'s gcs triggers). */
  onStorageEvent?: (event: CloudEventLike) => void;
  /** How long a fake function or job runs before it finishes, in ms (default 40 / 60). */
  functionMs?: number;
  jobMs?: number;
}

/**
 * Start the fakes.
 *
 * @example const fakes = await startLocalFakes({ publish: (m) => bus.publish(m) });
 */
export async function startLocalFakes(opts: FakesOptions): Promise<LocalFakes> {
  const callBack = async (message: unknown) => {
    if (opts.deliver) await opts.deliver(message);
    else opts.publish(message);
  };
  const [functions, dataflow, dataproc, http, bigquery, cloudRun, storage] = await Promise.all([
    startFakeFunctionHost({
      onLogEntry: (entry) => opts.publish(entry),
      onCallback: callBack,
      defaultBehavior: { kind: 'echo', delayMs: opts.functionMs ?? 40 },
    }),
    startFakeDataflow({
      onLogEntry: (entry) => opts.publish(entry),
      defaultBehavior: { runMs: opts.jobMs ?? 60 },
    }),
    startFakeDataproc({ defaultBehavior: { runMs: opts.jobMs ?? 60 } }),
    startFakeHttpEndpoint({
      onCallback: callBack,
      defaultBehavior: { kind: 'echo', delayMs: opts.functionMs ?? 40 },
    }),
    // BigQuery completions come through the log sink (audit entries), Cloud Run's and Cloud
    // Storage's through Eventarc (CloudEvents), as infra/ deploys them.
    startFakeBigQuery({
      onLogEntry: (entry) => opts.publish(entry),
      defaultBehavior: { runMs: opts.jobMs ?? 60 },
    }),
    startFakeCloudRunJobs({
      onCloudEvent: (event) => opts.publish(event),
      defaultBehavior: { runMs: opts.jobMs ?? 60 },
    }),
    startFakeStorage({
      onCloudEvent: (event) => {
        opts.publish(event);
        opts.onStorageEvent?.(event);
      },
    }),
  ]);
  // An object a Wait looks for and does not find lands a little later, as if produced upstream.
  storage.setAutoLand({ delayMs: opts.jobMs ?? 60 });
  return {
    functions,
    dataflow,
    dataproc,
    http,
    bigquery,
    cloudRun,
    storage,
    close: async () => {
      await Promise.all([
        functions.close(),
        dataflow.close(),
        dataproc.close(),
        http.close(),
        bigquery.close(),
        cloudRun.close(),
        storage.close(),
      ]);
    },
  };
}

const never = new Promise<Json>(() => {});

/** Object URI patterns of faulted Waits, per fake storage (a `dev` environment serves many runs). */
const faultedObjects = new WeakMap<FakeStorage, RegExp[]>();

/** `gs://b/${$.input.date}/_SUCCESS` → a pattern matching any value of the templates. */
function objectPattern(template: string): RegExp {
  const parts = template.split(/\$\{[^}]*\}/).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.*')}$`);
}

/**
 * Script the fakes for one execution of `def` (its id must be known: it names the Dataflow jobs).
 * `maxAttempts` bounds the attempts scripted per faulted Dataflow step.
 */
export function programFakes(
  fakes: LocalFakes,
  def: FlowDefinition,
  executionId: string,
  plan: FaultPlan,
  opts: {
    functionMs?: number;
    maxAttempts?: number;
    jobMs?: number;
    /**
     * The plan of each execution, when several run at once against the same fakes (`dev`): a
     * function or endpoint looks its caller's plan up by the execution id of the launch context
     * (falling back to `plan`).
     */
    planFor?: (executionId: string) => FaultPlan | undefined;
  } = {},
): void {
  const tasks = taskSteps(def.flow);
  const planOf = (executionId: string | undefined): FaultPlan =>
    (executionId === undefined ? undefined : opts.planFor?.(executionId)) ?? plan;
  const delay = opts.functionMs ?? 40;
  for (const name of new Set(
    tasks.filter((t) => t.step.target.type === 'CloudFunction').map((t) => t.step.target.name),
  )) {
    fakes.functions.setBehavior(name, {
      kind: 'handler',
      run: async (input, context) => {
        await new Promise((r) => setTimeout(r, delay));
        const fault = context
          ? planOf(context.executionId).faultFor(context.path, context.attempt)
          : undefined;
        if (fault === 'fail') throw new Error(`${name} failed (--fail ${context?.step})`);
        if (fault === 'hang') return never;
        const stub = context ? plan.outputFor(context.path) : undefined;
        if (stub !== undefined) return stub.output;
        return { function: name, step: context?.step ?? null, attempt: context?.attempt ?? null, input };
      },
    });
  }
  programEndpoints(fakes.http, tasks, plan, delay, planOf);
  const attempts = opts.maxAttempts ?? 10;
  for (const task of tasks) {
    const target = task.step.target;
    if (!plan.paths.has(task.path)) continue;
    if (target.type === 'Dataflow') {
      for (let attempt = 1; attempt <= attempts; attempt++) {
        const fault = plan.faultFor(task.path, attempt);
        if (fault === undefined) continue;
        fakes.dataflow.setBehavior(
          dataflowJobName(target.name, executionId, task.path, attempt),
          fault === 'fail'
            ? { outcome: 'fail', failCause: `(fake) ${target.name} failed as asked by --fail ${task.name}` }
            : { outcome: 'lag' },
        );
      }
    } else if (target.type === 'BigQuery' || target.type === 'CloudRunJob') {
      for (let attempt = 1; attempt <= attempts; attempt++) {
        const fault = plan.faultFor(task.path, attempt);
        if (fault === undefined) continue;
        const message = `(fake) ${target.name} failed as asked by --fail ${task.name}`;
        if (target.type === 'BigQuery')
          fakes.bigquery.setBehavior(
            bigQueryJobId(target.name, executionId, task.path, attempt),
            fault === 'fail'
              ? { outcome: 'fail', errorReason: 'invalidQuery', errorMessage: message }
              : { outcome: 'lag' },
          );
        else
          fakes.cloudRun.setBehavior(
            runKey(executionId, task.path, attempt),
            fault === 'fail' ? { outcome: 'fail' } : { outcome: 'lag' },
          );
      }
    } else if (target.type === 'StorageObject') {
      // A faulted Wait: its object never lands, so the Wait ends by its timeout (States.Timeout).
      const pattern = objectPattern(String(task.step.parameters?.object ?? ''));
      const previous = faultedObjects.get(fakes.storage) ?? [];
      faultedObjects.set(fakes.storage, [...previous, pattern]);
      fakes.storage.setAutoLand({
        delayMs: opts.jobMs ?? 60,
        skip: (uri) => (faultedObjects.get(fakes.storage) ?? []).some((p) => p.test(uri)),
      });
    } else if (target.type === 'Dataproc') {
      fakes.dataproc.setBehavior(target.name, {
        outcome: plan.faultFor(task.path, 1) === 'hang' ? 'lag' : 'fail',
      });
    }
  }
}

/**
 * Http targets: per step attempt, from the firestep context of the request. A request without one (a
 * GET carries no body) is matched to the target's steps by name and counted as their next attempt.
 */
function programEndpoints(
  endpoint: FakeHttpEndpoint,
  tasks: ReturnType<typeof taskSteps>,
  plan: FaultPlan,
  delay: number,
  planOf: (executionId: string | undefined) => FaultPlan = () => plan,
): void {
  const byName = new Map<string, string[]>();
  for (const t of tasks) {
    if (t.step.target.type !== 'Http') continue;
    byName.set(t.step.target.name, [...(byName.get(t.step.target.name) ?? []), t.path]);
  }
  for (const [name, paths] of byName) {
    let contextless = 0;
    endpoint.setBehavior(name, {
      kind: 'handler',
      delayMs: delay,
      run: (request) => {
        const ctx = request.context;
        const attempt = ctx?.attempt ?? ++contextless;
        const fault = ctx
          ? planOf(ctx.executionId).faultFor(ctx.path, ctx.attempt)
          : paths.map((p) => plan.faultFor(p, attempt)).find((f) => f !== undefined);
        if (fault === 'fail')
          throw new EndpointError(422, `(fake) ${name} failed as asked by --fail ${ctx?.step ?? name}`);
        if (fault === 'hang') return never;
        const stub = ctx ? plan.outputFor(ctx.path) : undefined;
        if (stub !== undefined) return stub.output;
        return {
          target: name,
          step: ctx?.step ?? null,
          attempt: ctx?.attempt ?? null,
          url: request.url,
          input: request.input,
        };
      },
    });
  }
}
