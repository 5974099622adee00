/**
 * The Dataflow job model of the fake: Job JSON in the v1b3 REST shape, the behaviour knobs a test or a
 * local run sets per job name, and the lifecycle (queued → running → terminal) with the job messages
 * Dataflow writes on the way. The HTTP routing lives in `dataflow.ts`.
 */
import { createHash } from 'node:crypto';
import { TimerSet } from './http.ts';
import {
  type CloudEventSink,
  DATAFLOW_MESSAGES,
  type DataflowMessageInput,
  dataflowJobMessage,
  type LogSink,
} from './log-entries.ts';

export type DataflowJobState =
  | 'JOB_STATE_QUEUED'
  | 'JOB_STATE_PENDING'
  | 'JOB_STATE_RUNNING'
  | 'JOB_STATE_DONE'
  | 'JOB_STATE_FAILED'
  | 'JOB_STATE_CANCELLING'
  | 'JOB_STATE_CANCELLED';

export const TERMINAL_JOB_STATES: readonly DataflowJobState[] = [
  'JOB_STATE_DONE',
  'JOB_STATE_FAILED',
  'JOB_STATE_CANCELLED',
];

/** Job (v1b3 REST), the fields a real `jobs.get` returns that firestep reads. */
export interface DataflowJobJson {
  id: string;
  projectId: string;
  name: string;
  type: 'JOB_TYPE_BATCH';
  currentState: DataflowJobState;
  currentStateTime: string;
  createTime: string;
  startTime: string;
  location: string;
  requestedState?: string;
  labels?: Record<string, string>;
}

/** What the fake remembers about a launched job; `job` is what the API returns. */
export interface FakeDataflowJob {
  job: DataflowJobJson;
  template: { kind: 'flex'; containerSpecGcsPath: string } | { kind: 'classic'; gcsPath: string };
  parameters: Record<string, string>;
  environment: Record<string, unknown>;
}

export interface ScriptedLaunchError {
  status: number;
  message?: string;
  afterCreate?: boolean;
  retryAfterSeconds?: number;
}

/** How the fake treats launches of jobs whose name starts with a given prefix. */
export interface DataflowBehavior {
  /** `succeed` (default), `fail` ("Workflow failed."), `launcherFail` (flex launcher error), `lag` (RUNNING until cancelled). */
  outcome?: 'succeed' | 'fail' | 'launcherFail' | 'lag';
  /** Launch → terminal state, in ms (default 30). */
  runMs?: number;
  /** Text after "Workflow failed. Causes: ". */
  failCause?: string;
  /** The job's custom counters, as `jobs.getMetrics` reports them (origin `user`). Default none. */
  counters?: Record<string, number>;
  /** `jobs.get` keeps answering RUNNING this long after the final log line (the API lag the cloud has). */
  apiLagMs?: number;
  /**
   * Errors answered to the next launches, one per launch request, in order (then launches succeed).
   * `afterCreate`: the job is created anyway and only the answer is an error (a lost response).
   * `retryAfterSeconds`: sent as the `Retry-After` header.
   */
  launchErrors?: ScriptedLaunchError[];
  /** Hold every launch answer this long (the job is created first): a slow API / client timeout. */
  launchLatencyMs?: number;
}

export interface JobBookOptions {
  onLogEntry?: LogSink;
  onCloudEvent?: CloudEventSink;
  now: () => Date;
}

/** Dataflow job ids look like `2026-11-23_15_48_43-1234567890123456789`; this one is derived from a counter. */
function jobIdFor(at: Date, seq: number, name: string): string {
  const stamp = at.toISOString().slice(0, 19).replace('T', '_').replaceAll(':', '_');
  const digits = BigInt(`0x${createHash('sha256').update(`${seq}:${name}`).digest('hex').slice(0, 15)}`);
  return `${stamp}-${digits.toString().padStart(19, '1').slice(0, 19)}`;
}

/** All jobs of one fake Dataflow service, their behaviours and their timers. */
export class JobBook {
  readonly jobs = new Map<string, FakeDataflowJob>();
  readonly #behaviors = new Map<string, DataflowBehavior>();
  readonly #launchErrorsUsed = new Map<string, number>();
  readonly #timers = new TimerSet();
  #seq = 0;
  #insert = 0;

  constructor(private readonly opts: JobBookOptions) {}

  setBehavior(prefix: string, behavior: DataflowBehavior): void {
    this.#behaviors.set(prefix, behavior);
    this.#launchErrorsUsed.delete(prefix);
  }

  /** The behaviour of the longest prefix matching the job name. */
  behaviorFor(name: string): { prefix: string; behavior: DataflowBehavior } {
    let best: { prefix: string; behavior: DataflowBehavior } = { prefix: '', behavior: {} };
    for (const [prefix, behavior] of this.#behaviors) {
      if (name.startsWith(prefix) && prefix.length >= best.prefix.length) best = { prefix, behavior };
    }
    return best;
  }

  /** The next scripted launch error for this name, consuming it. */
  takeLaunchError(name: string): ScriptedLaunchError | undefined {
    const { prefix, behavior } = this.behaviorFor(name);
    const used = this.#launchErrorsUsed.get(prefix) ?? 0;
    const next = behavior.launchErrors?.[used];
    if (next) this.#launchErrorsUsed.set(prefix, used + 1);
    return next;
  }

  activeByName(project: string, location: string, name: string): FakeDataflowJob | undefined {
    for (const j of this.jobs.values()) {
      const { job } = j;
      if (
        job.projectId === project &&
        job.location === location &&
        job.name === name &&
        !TERMINAL_JOB_STATES.includes(job.currentState)
      )
        return j;
    }
    return undefined;
  }

  create(
    input: Omit<FakeDataflowJob, 'job'> & { project: string; location: string; name: string },
  ): FakeDataflowJob {
    const at = this.opts.now();
    this.#seq += 1;
    const job: DataflowJobJson = {
      id: jobIdFor(at, this.#seq, input.name),
      projectId: input.project,
      name: input.name,
      type: 'JOB_TYPE_BATCH',
      currentState: input.template.kind === 'flex' ? 'JOB_STATE_QUEUED' : 'JOB_STATE_PENDING',
      currentStateTime: at.toISOString(),
      createTime: at.toISOString(),
      startTime: at.toISOString(),
      location: input.location,
    };
    const record: FakeDataflowJob = {
      job,
      template: input.template,
      parameters: input.parameters,
      environment: input.environment,
    };
    this.jobs.set(job.id, record);
    this.#schedule(record);
    return record;
  }

  /** jobs.update with requestedState JOB_STATE_CANCELLED. */
  cancel(record: FakeDataflowJob): void {
    if (TERMINAL_JOB_STATES.includes(record.job.currentState)) return;
    record.job.requestedState = 'JOB_STATE_CANCELLED';
    this.#setState(record, 'JOB_STATE_CANCELLING');
    this.#timers.after(5, () => {
      this.#setState(record, 'JOB_STATE_CANCELLED');
      this.#message(record, DATAFLOW_MESSAGES.workerPoolStopped, 'INFO');
    });
  }

  /** Resolves after `ms` (or never, once the book is closed: the server drops the request). */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => this.#timers.after(ms, resolve));
  }

  close(): void {
    this.#timers.clear();
  }

  #schedule(record: FakeDataflowJob): void {
    const { behavior } = this.behaviorFor(record.job.name);
    const outcome = behavior.outcome ?? 'succeed';
    const runMs = behavior.runMs ?? 30;
    const lag = behavior.apiLagMs ?? 0;
    if (outcome !== 'launcherFail') {
      this.#timers.after(Math.min(10, runMs / 2), () => this.#advance(record, 'JOB_STATE_RUNNING'));
    }
    if (outcome === 'lag') return;
    this.#timers.after(runMs, () => {
      if (record.job.requestedState === 'JOB_STATE_CANCELLED') return;
      const final: DataflowJobState = outcome === 'succeed' ? 'JOB_STATE_DONE' : 'JOB_STATE_FAILED';
      if (lag === 0) this.#setState(record, final);
      else this.#timers.after(lag, () => this.#setState(record, final));
      if (outcome === 'launcherFail') this.#message(record, DATAFLOW_MESSAGES.launcherFailed, 'ERROR');
      if (outcome === 'fail') {
        const cause =
          behavior.failCause ?? `Job ${record.job.id} failed because a work item has failed 4 times.`;
        this.#message(record, DATAFLOW_MESSAGES.workflowFailed(cause), 'ERROR');
      }
      if (outcome !== 'launcherFail') this.#message(record, DATAFLOW_MESSAGES.workerPoolStopped, 'INFO');
    });
  }

  #advance(record: FakeDataflowJob, state: DataflowJobState): void {
    if (
      record.job.requestedState === 'JOB_STATE_CANCELLED' ||
      TERMINAL_JOB_STATES.includes(record.job.currentState)
    )
      return;
    this.#setState(record, state);
  }

  #setState(record: FakeDataflowJob, state: DataflowJobState): void {
    const at = this.opts.now();
    record.job.currentState = state;
    record.job.currentStateTime = at.toISOString();
    this.opts.onCloudEvent?.({
      specversion: '1.0',
      id: `${record.job.id}-${state}`,
      type: 'google.cloud.dataflow.job.v1beta3.statusChanged',
      source: `//dataflow.googleapis.com/projects/${record.job.projectId}/locations/${record.job.location}`,
      subject: `jobs/${record.job.id}`,
      time: at.toISOString(),
      datacontenttype: 'application/json',
      dataschema:
        'https://googleapis.github.io/google-cloudevents/jsonschema/google/events/cloud/dataflow/v1beta3/JobEventData.json',
      data: { payload: { ...record.job } },
    });
  }

  #message(record: FakeDataflowJob, text: string, severity: 'INFO' | 'ERROR'): void {
    this.#insert += 1;
    const input: DataflowMessageInput = {
      project: record.job.projectId,
      region: record.job.location,
      jobId: record.job.id,
      jobName: record.job.name,
      at: this.opts.now(),
      insertId: `dfmsg-${this.#insert.toString().padStart(6, '0')}`,
    };
    this.opts.onLogEntry?.(dataflowJobMessage(input, text, severity));
  }
}
