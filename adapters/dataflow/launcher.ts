/**
 * Launches Dataflow flex templates (`projects.locations.flexTemplates.launch`, `containerSpecGcsPath`)
 * and classic templates (`projects.locations.templates.launch`, `gcsPath`) under a deterministic job
 * name. A relaunch of the same attempt adopts the job it already started — found by name before
 * launching, or after Dataflow answers 409 "already an active job named …" — so the work never runs
 * twice. `probe` asks `jobs.get`; `cancel` sends `jobs.update` with `requestedState: JOB_STATE_CANCELLED`.
 */
import type { dataflow_v1b3 } from 'googleapis/build/src/apis/dataflow/index.js';
import type { LaunchCommand } from '../../engine/core/commands.ts';
import type { Receipt } from '../../engine/core/events.ts';
import type { DataflowTarget } from '../../engine/flow/model.ts';
import type { CorrelationKey, Launcher, LaunchResult, ProbeResult } from '../../engine/ports/index.ts';
import { type ContextOptions, callbackKey } from '../shared/context.ts';
import type { ApiAuth } from '../shared/id-token.ts';
import { classifyLaunchError, configFailure, isAlreadyExists } from '../shared/launch-errors.ts';
import { type Location, resolveLocation, type TargetDefaults } from '../shared/location.ts';
import { splitParameters } from './environment.ts';
import { dataflowJobName } from './job-name.ts';
import { dataflowStateOutcome } from './job-state.ts';

export interface DataflowLauncherOptions {
  context: ContextOptions;
  defaults?: TargetDefaults;
  /** googleapis `rootUrl`: the fake's URL in local runs; default `https://dataflow.googleapis.com/`. */
  rootUrl?: string;
  /** googleapis `auth` (GoogleAuth / OAuth2Client); default Application Default Credentials. */
  auth?: ApiAuth;
  /** Per-request timeout (default 30 s). */
  requestTimeoutMs?: number;
  /** Look for a job of the same name (in any state) before launching (default true). */
  adoptFinishedJobs?: boolean;
}

type Job = dataflow_v1b3.Schema$Job;

function consoleUrl(loc: Location, jobId: string): string {
  return `https://console.cloud.google.com/dataflow/jobs/${loc.region}/${jobId}?project=${loc.project}`;
}

function launched(loc: Location, job: Job, name: string, adopted: boolean): LaunchResult {
  const jobId = job.id ?? '';
  const receipt: Receipt = {
    target: 'Dataflow',
    jobId,
    jobName: job.name ?? name,
    consoleUrl: consoleUrl(loc, jobId),
    projectId: loc.project,
    region: loc.region,
    ...(adopted ? { adopted: true } : {}),
  };
  return { status: 'launched', receipt, extraCorrelationKeys: [{ kind: 'dataflowJob', value: jobId }] };
}

/**
 * @example
 * const launcher = new DataflowLauncher({ context: { secret, replyTo: {} }, rootUrl: fake.url, auth });
 * const result = await launcher.launch(command); // → { status: 'launched', receipt: { jobId, jobName, consoleUrl, … } }
 */
export class DataflowLauncher implements Launcher {
  readonly targetType = 'Dataflow' as const;
  #api: Promise<dataflow_v1b3.Dataflow> | undefined;
  readonly #timeout: number;

  constructor(private readonly opts: DataflowLauncherOptions) {
    this.#timeout = opts.requestTimeoutMs ?? 30_000;
  }

  /** The REST client, loaded on first use so that a cold start that never launches one stays light. */
  #client(): Promise<dataflow_v1b3.Dataflow> {
    this.#api ??= import('googleapis/build/src/apis/dataflow/index.js').then(({ dataflow }) =>
      dataflow({
        version: 'v1b3',
        ...(this.opts.rootUrl ? { rootUrl: this.opts.rootUrl } : {}),
        // googleapis bundles its own copy of google-auth-library; the client is the same at runtime.
        ...(this.opts.auth ? { auth: this.opts.auth as unknown as dataflow_v1b3.Options['auth'] } : {}),
      }),
    );
    return this.#api;
  }

  /** The deterministic job name of this attempt. */
  jobName(command: LaunchCommand): string {
    return dataflowJobName(command.target.name, command.executionId, command.path, command.attempt);
  }

  correlationKeys(command: LaunchCommand): CorrelationKey[] {
    return [
      { kind: 'dataflowJobName', value: this.jobName(command) },
      callbackKey(this.opts.context, command),
    ];
  }

  async launch(command: LaunchCommand): Promise<LaunchResult> {
    const target = command.target;
    if (target.type !== 'Dataflow')
      return configFailure(`DataflowLauncher cannot launch a ${target.type} target`);
    const loc = resolveLocation(target, this.opts.defaults ?? {});
    if ('missing' in loc) return configFailure(loc.missing);
    const name = this.jobName(command);
    const what = `Dataflow ${target.template.kind} template launch of job "${name}"`;
    try {
      if (this.opts.adoptFinishedJobs !== false) {
        const existing = await this.#findByName(loc, name, 'ALL');
        if (existing) return launched(loc, existing, name, true);
      }
      const job = await this.#launch(target, loc, name, command);
      if (!job?.id) return classifyLaunchError(new Error('the launch answered no job id'), what);
      return launched(loc, job, name, false);
    } catch (e) {
      if (!isAlreadyExists(e)) return classifyLaunchError(e, what);
      try {
        const existing =
          (await this.#findByName(loc, name, 'ACTIVE')) ?? (await this.#findByName(loc, name, 'ALL'));
        if (existing) return launched(loc, existing, name, true);
        return {
          status: 'retry',
          error: classifyLaunchError(e, `${what} (409, but no job of that name was found yet)`).error,
        };
      } catch (listError) {
        return classifyLaunchError(listError, `listing Dataflow jobs named "${name}" after a 409`);
      }
    }
  }

  async probe(command: LaunchCommand, receipt: Receipt): Promise<ProbeResult> {
    const loc = this.#receiptLocation(command, receipt);
    if (!loc || typeof receipt.jobId !== 'string') return { state: 'unknown' };
    const res = await (await this.#client()).projects.locations.jobs.get(
      { projectId: loc.project, location: loc.region, jobId: receipt.jobId, view: 'JOB_VIEW_SUMMARY' },
      { retry: false, timeout: this.#timeout },
    );
    return dataflowStateOutcome(res.data);
  }

  async cancel(command: LaunchCommand, receipt: Receipt): Promise<void> {
    const loc = this.#receiptLocation(command, receipt);
    if (!loc || typeof receipt.jobId !== 'string') return;
    try {
      await (await this.#client()).projects.locations.jobs.update(
        {
          projectId: loc.project,
          location: loc.region,
          jobId: receipt.jobId,
          requestBody: { requestedState: 'JOB_STATE_CANCELLED' },
        },
        { retry: false, timeout: this.#timeout },
      );
    } catch {
      // Best effort: a job that already terminated answers 400, which is what cancelling wanted.
    }
  }

  #receiptLocation(command: LaunchCommand, receipt: Receipt): Location | undefined {
    if (typeof receipt.projectId === 'string' && typeof receipt.region === 'string')
      return { project: receipt.projectId, region: receipt.region };
    const loc = resolveLocation(command.target, this.opts.defaults ?? {});
    return 'missing' in loc ? undefined : loc;
  }

  async #launch(
    target: DataflowTarget,
    loc: Location,
    name: string,
    command: LaunchCommand,
  ): Promise<Job | undefined> {
    const opts = { retry: false, timeout: this.#timeout };
    const template = target.template;
    const { parameters, environment } = splitParameters(command.input, template.kind);
    if (template.kind === 'flex') {
      const res = await (await this.#client()).projects.locations.flexTemplates.launch(
        {
          projectId: loc.project,
          location: loc.region,
          requestBody: {
            launchParameter: {
              jobName: name,
              containerSpecGcsPath: template.container_gcs_path,
              parameters,
              environment,
            },
          },
        },
        opts,
      );
      return res.data.job ?? undefined;
    }
    const res = await (await this.#client()).projects.locations.templates.launch(
      {
        projectId: loc.project,
        location: loc.region,
        gcsPath: template.template_path,
        requestBody: { jobName: name, parameters, environment },
      },
      opts,
    );
    return res.data.job ?? undefined;
  }

  /**
   * The job of that name, asked with the list's `name` filter and checked by name here too; active
   * jobs are paged through (few), all jobs only on the first page (best effort before launching).
   */
  async #findByName(loc: Location, name: string, filter: 'ACTIVE' | 'ALL'): Promise<Job | undefined> {
    let pageToken: string | undefined;
    for (let page = 0; page < (filter === 'ACTIVE' ? 20 : 1); page++) {
      const res = await (await this.#client()).projects.locations.jobs.list(
        { projectId: loc.project, location: loc.region, name, filter, ...(pageToken ? { pageToken } : {}) },
        { retry: false, timeout: this.#timeout },
      );
      const found = (res.data.jobs ?? []).find((j) => j.name === name && j.id);
      if (found) return found;
      pageToken = res.data.nextPageToken ?? undefined;
      if (!pageToken) return undefined;
    }
    return undefined;
  }
}
