/**
 * {@link DataflowJobs} over the real googleapis Dataflow client (imported per API: the whole
 * `googleapis` package costs ~1.5 s to load). `rootUrl` points it at a local server speaking the
 * Dataflow REST API in tests and in `run --local`.
 */
import { OAuth2Client } from 'google-auth-library';
import { dataflow_v1b3 } from 'googleapis/build/src/apis/dataflow/index.js';
import { FirestepError } from '../../engine/errors.ts';
import type { DataflowJobs } from '../../engine/ports/index.ts';
import { type DataflowJob, DataflowJobSchema } from '../../engine/signals/wire/dataflow.ts';

export interface GoogleDataflowJobsOptions {
  /** API root, default `https://dataflow.googleapis.com/`. */
  rootUrl?: string;
  /**
   * Auth client. Default: Application Default Credentials; a fake token when `rootUrl` is a local
   * address or `FIRESTEP_FAKE_AUTH` is set (local fakes ignore it).
   */
  auth?: dataflow_v1b3.Options['auth'];
  /** Per-request timeout in ms (default 10 000). */
  timeoutMs?: number;
}

/**
 * @example
 * const jobs = googleDataflowJobs({ rootUrl: 'http://127.0.0.1:8089/' });
 * const job = await jobs.getJob('my-project', 'us-central1', '2024-03-13_13_30_56-977…');
 */
export function googleDataflowJobs(opts: GoogleDataflowJobsOptions = {}): DataflowJobs {
  const rootUrl = opts.rootUrl ?? process.env.FIRESTEP_DATAFLOW_ROOT_URL;
  const local = rootUrl !== undefined && /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(rootUrl);
  let auth = opts.auth;
  if (auth === undefined && (local || process.env.FIRESTEP_FAKE_AUTH)) {
    const fake = new OAuth2Client();
    fake.credentials = { access_token: 'firestep-local' };
    // googleapis bundles its own google-auth-library copy: same class, distinct type identity.
    auth = fake as unknown as dataflow_v1b3.Options['auth'];
  }
  const client = new dataflow_v1b3.Dataflow({
    ...(rootUrl ? { rootUrl } : {}),
    ...(auth ? { auth } : { auth: undefined }),
    timeout: opts.timeoutMs ?? 10_000,
    retry: false,
  });
  return {
    async getJob(projectId, region, jobId): Promise<DataflowJob | undefined> {
      let data: unknown;
      try {
        const res = await client.projects.locations.jobs.get({
          projectId,
          location: region,
          jobId,
          view: 'JOB_VIEW_SUMMARY',
        });
        data = res.data;
      } catch (e) {
        const status = httpStatus(e);
        if (status === 404) return undefined;
        const what = `Dataflow jobs.get ${projectId}/${region}/${jobId}`;
        if (status === undefined || status === 429 || status >= 500) {
          throw new FirestepError(
            'RETRY_LATER',
            `${what} failed (${status ?? (e as Error).message}); will retry`,
            {
              retryable: true,
              cause: e,
            },
          );
        }
        throw new FirestepError(
          status === 401 || status === 403 ? 'UNAUTHENTICATED' : 'CONFIG',
          `${what} answered ${status}: give the engine's service account roles/dataflow.viewer on ${projectId}`,
          { cause: e },
        );
      }
      const job = DataflowJobSchema.safeParse(data);
      if (!job.success) {
        throw new FirestepError('RETRY_LATER', `Dataflow jobs.get ${jobId} returned no usable Job`, {
          retryable: true,
        });
      }
      return job.data;
    },
    async getMetrics(projectId, region, jobId): Promise<Record<string, number>> {
      let data: dataflow_v1b3.Schema$JobMetrics;
      try {
        data = (await client.projects.locations.jobs.getMetrics({ projectId, location: region, jobId })).data;
      } catch (e) {
        const status = httpStatus(e);
        const what = `Dataflow jobs.getMetrics ${projectId}/${region}/${jobId}`;
        throw new FirestepError(
          status === undefined || status === 429 || status >= 500 ? 'RETRY_LATER' : 'CONFIG',
          `${what} failed (${status ?? (e as Error).message})`,
          { retryable: status === undefined || status === 429 || status >= 500, cause: e },
        );
      }
      return userCounters(data);
    },
  };
}

/**
 * The committed user counters of a JobMetrics answer, by name (tentative duplicates and system
 * metrics dropped; non-numeric scalars skipped).
 *
 * @example userCounters({ metrics: [{ name: { origin: 'user', name: 'rows' }, scalar: 42 }] }) // { rows: 42 }
 */
export function userCounters(data: dataflow_v1b3.Schema$JobMetrics): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of data.metrics ?? []) {
    const name = m.name?.name;
    if (m.name?.origin !== 'user' || !name || m.name.context?.tentative === 'true') continue;
    const value = typeof m.scalar === 'number' ? m.scalar : Number(m.scalar);
    if (Number.isFinite(value)) out[name] = value;
  }
  return out;
}

function httpStatus(e: unknown): number | undefined {
  const err = e as { status?: unknown; response?: { status?: unknown }; code?: unknown };
  const s = err.status ?? err.response?.status ?? (typeof err.code === 'number' ? err.code : undefined);
  return typeof s === 'number' ? s : undefined;
}
