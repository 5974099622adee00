/**
 * Runs Cloud Run jobs (Admin API v2 `jobs.run`) with per-execution overrides from the step's
 * `parameters`: `args`, `env`, `task_count`, `timeout_seconds`. Cloud Run names executions itself, so
 * each run carries a deterministic run key (env `FIRESTEP_RUN_KEY`, from execution, step path and
 * attempt): a relaunch of the same attempt first looks for an execution with that key
 * (`executions.list`) and adopts it, so the job never runs twice for one attempt. The key also
 * correlates the completion audit entry, whose Execution carries the env. `probe` asks
 * `executions.get`; `cancel` sends `executions.cancel`.
 */
import { createHash } from 'node:crypto';
import type { run_v2 } from 'googleapis/build/src/apis/run/index.js';
import type { LaunchCommand } from '../../engine/core/commands.ts';
import type { Receipt } from '../../engine/core/events.ts';
import type { CloudRunJobTarget, Json } from '../../engine/flow/model.ts';
import type { CorrelationKey, Launcher, LaunchResult, ProbeResult } from '../../engine/ports/index.ts';
import {
  executionOutcome,
  parseExecutionName,
  RUN_KEY_ENV,
  type RunExecution,
  RunExecutionSchema,
  runKeyOf,
} from '../../engine/signals/wire/cloud-run.ts';
import type { ApiAuth } from '../shared/id-token.ts';
import { classifyLaunchError, configFailure, httpStatusOf } from '../shared/launch-errors.ts';
import { type Location, resolveLocation, type TargetDefaults } from '../shared/location.ts';

export interface CloudRunJobLauncherOptions {
  defaults?: TargetDefaults;
  /** googleapis `rootUrl`: the fake's URL in local runs; default `https://run.googleapis.com/`. */
  rootUrl?: string;
  auth?: ApiAuth;
  requestTimeoutMs?: number;
}

/**
 * The run key of an attempt (at most 40 characters, env-safe).
 *
 * @example runKey('exec-1', 'Publish', 1) // → 'fs-3b9c…' (32 hex)
 */
export function runKey(executionId: string, path: string, attempt: number): string {
  return `fs-${createHash('sha256').update(`${executionId}\n${path}\n${attempt}`).digest('hex').slice(0, 32)}`;
}

function text(value: Json | undefined): string {
  return typeof value === 'string'
    ? value
    : value === null || value === undefined
      ? ''
      : JSON.stringify(value);
}

/**
 * The `overrides` of a RunJobRequest from the resolved parameters.
 *
 * @example runOverrides({ args: ['--rows', 42], env: { MODE: 'full' }, task_count: 2 }, 'fs-1', undefined)
 * // → { containerOverrides: [{ args: ['--rows', '42'], env: [{ name: 'MODE', value: 'full' }, { name: 'FIRESTEP_RUN_KEY', value: 'fs-1' }] }], taskCount: 2 }
 */
export function runOverrides(
  input: Json,
  key: string,
  container: string | undefined,
): run_v2.Schema$GoogleCloudRunV2Overrides {
  const p = typeof input === 'object' && input !== null && !Array.isArray(input) ? input : {};
  const env = Object.entries(
    typeof p.env === 'object' && p.env !== null && !Array.isArray(p.env) ? p.env : {},
  ).map(([name, value]) => ({ name, value: text(value) }));
  env.push({ name: RUN_KEY_ENV, value: key });
  const taskCount = Number(p.task_count);
  const timeout = Number(p.timeout_seconds);
  return {
    containerOverrides: [
      {
        ...(container ? { name: container } : {}),
        ...(Array.isArray(p.args) ? { args: p.args.map(text) } : {}),
        env,
      },
    ],
    ...(Number.isInteger(taskCount) && taskCount > 0 ? { taskCount } : {}),
    ...(Number.isInteger(timeout) && timeout > 0 ? { timeout: `${timeout}s` } : {}),
  };
}

/**
 * @example
 * const launcher = new CloudRunJobLauncher({ rootUrl: fake.url, auth, defaults: { projectId: 'p', region: 'europe-west1' } });
 */
export class CloudRunJobLauncher implements Launcher {
  readonly targetType = 'CloudRunJob' as const;
  #api: Promise<run_v2.Run> | undefined;
  readonly #timeout: number;

  constructor(private readonly opts: CloudRunJobLauncherOptions = {}) {
    this.#timeout = opts.requestTimeoutMs ?? 30_000;
  }

  #client(): Promise<run_v2.Run> {
    this.#api ??= import('googleapis/build/src/apis/run/index.js').then(({ run }) =>
      run({
        version: 'v2',
        ...(this.opts.rootUrl ? { rootUrl: this.opts.rootUrl } : {}),
        ...(this.opts.auth ? { auth: this.opts.auth as unknown as run_v2.Options['auth'] } : {}),
      }),
    );
    return this.#api;
  }

  correlationKeys(command: LaunchCommand): CorrelationKey[] {
    return [{ kind: 'runKey', value: runKey(command.executionId, command.path, command.attempt) }];
  }

  async launch(command: LaunchCommand): Promise<LaunchResult> {
    const target = command.target;
    if (target.type !== 'CloudRunJob')
      return configFailure(`CloudRunJobLauncher cannot launch a ${target.type} target`);
    const loc = resolveLocation(target, this.opts.defaults ?? {});
    if ('missing' in loc) return configFailure(loc.missing);
    const key = runKey(command.executionId, command.path, command.attempt);
    const job = `projects/${loc.project}/locations/${loc.region}/jobs/${target.name}`;
    const what = `Cloud Run jobs.run of "${job}"`;
    const opts = { retry: false, timeout: this.#timeout };
    const api = await this.#client();
    try {
      const existing = await this.#findByKey(job, key);
      if (existing) return this.#launched(loc, target, existing, true);
      const res = await api.projects.locations.jobs.run(
        { name: job, requestBody: { overrides: runOverrides(command.input, key, target.container) } },
        opts,
      );
      const execution = RunExecutionSchema.safeParse(res.data.metadata);
      if (!execution.success) {
        // The run started but the answer names no execution: find it by key on the next attempt.
        return {
          status: 'retry',
          error: classifyLaunchError(new Error('the run answered no Execution'), what).error,
        };
      }
      return this.#launched(loc, target, execution.data, false);
    } catch (e) {
      return classifyLaunchError(e, what);
    }
  }

  async probe(command: LaunchCommand, receipt: Receipt): Promise<ProbeResult> {
    if (typeof receipt.execution !== 'string') return { state: 'unknown' };
    let execution: RunExecution;
    try {
      const res = await (await this.#client()).projects.locations.jobs.executions.get(
        { name: receipt.execution },
        { retry: false, timeout: this.#timeout },
      );
      const parsed = RunExecutionSchema.safeParse(res.data);
      if (!parsed.success) return { state: 'unknown' };
      execution = parsed.data;
    } catch (e) {
      if (httpStatusOf(e) === 404) return { state: 'unknown' };
      throw e;
    }
    const outcome = executionOutcome(execution);
    const output = {
      execution: execution.name,
      succeededCount: execution.succeededCount ?? 0,
      failedCount: execution.failedCount ?? 0,
    };
    if (outcome.outcome !== 'failed')
      return outcome.outcome === 'running' ? { state: 'running' } : { state: 'succeeded', output };
    return {
      state: 'failed',
      error: {
        name: 'States.TaskFailed',
        kind: 'job',
        message: `Cloud Run job ${command.target.name} execution ${execution.name.split('/').pop()} failed (${outcome.reason}): ${outcome.message}`,
        cause: { reason: outcome.reason, ...output, cancelledCount: execution.cancelledCount ?? 0 },
      },
    };
  }

  async cancel(_command: LaunchCommand, receipt: Receipt): Promise<void> {
    if (typeof receipt.execution !== 'string') return;
    try {
      await (await this.#client()).projects.locations.jobs.executions.cancel(
        { name: receipt.execution, requestBody: {} },
        { retry: false, timeout: this.#timeout },
      );
    } catch {
      // Best effort: a finished execution cannot be cancelled, which is what cancelling wanted.
    }
  }

  /** The newest executions of the job (one page) with this run key. */
  async #findByKey(job: string, key: string): Promise<RunExecution | undefined> {
    try {
      const res = await (await this.#client()).projects.locations.jobs.executions.list(
        { parent: job, pageSize: 100 },
        { retry: false, timeout: this.#timeout },
      );
      for (const raw of res.data.executions ?? []) {
        const e = RunExecutionSchema.safeParse(raw);
        if (e.success && runKeyOf(e.data) === key) return e.data;
      }
      return undefined;
    } catch (e) {
      // No such job (404) or no permission: the run that follows answers the same, classified there.
      if (httpStatusOf(e) === 404 || httpStatusOf(e) === 403) return undefined;
      throw e;
    }
  }

  #launched(
    loc: Location,
    target: CloudRunJobTarget,
    execution: RunExecution,
    adopted: boolean,
  ): LaunchResult {
    const short = parseExecutionName(execution.name)?.execution ?? execution.name;
    const receipt: Receipt = {
      target: 'CloudRunJob',
      execution: execution.name,
      jobName: target.name,
      projectId: loc.project,
      region: loc.region,
      consoleUrl: `https://console.cloud.google.com/run/jobs/executions/details/${loc.region}/${short}?project=${loc.project}`,
      ...(adopted ? { adopted: true } : {}),
    };
    return {
      status: 'launched',
      receipt,
      extraCorrelationKeys: [{ kind: 'runExecution', value: execution.name }],
    };
  }
}
