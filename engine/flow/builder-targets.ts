/**
 * Target helpers for the TypeScript builder: each returns the target part of a Task, in the
 * normalized model's shape. Options use the reference JSON's field names (`project_id`, `region`).
 */
import type {
  BigQueryTarget,
  CloudFunctionTarget,
  CloudRunJobTarget,
  DataflowTarget,
  DataprocTarget,
  HttpTarget,
  JsonObject,
  PubSubTarget,
} from './model.ts';

/** Where a target lives; both default to the deployment's own project/region. */
export interface Location {
  project_id?: string;
  region?: string;
}

type Unnamed<T extends { name: string }> = Omit<T, 'name'> & { name?: string };

/**
 * What a Task's `target` may be in the builder: Dataproc, Http and PubSub targets may leave out
 * `name`, which then defaults to the step's name.
 */
export type TargetInput =
  | CloudFunctionTarget
  | DataflowTarget
  | Unnamed<DataprocTarget>
  | Unnamed<HttpTarget>
  | Unnamed<PubSubTarget>
  | Unnamed<BigQueryTarget>
  | CloudRunJobTarget;

/**
 * A Cloud Function, called over HTTP (default) or through a Pub/Sub `topic` (`trigger: 'pubsub'`).
 *
 * @example cloudFunction('orch-test-1', { project_id: 'my-orchestration-test', region: 'europe-west1' })
 */
export function cloudFunction(
  name: string,
  options: Location &
    Pick<CloudFunctionTarget, 'url' | 'gen' | 'trigger' | 'topic' | 'wait_for_callback'> = {},
): CloudFunctionTarget {
  return { type: 'CloudFunction', name, ...options };
}

/**
 * A Dataflow flex template job (`container_gcs_path` is the template spec file). The job name gets
 * a unique suffix at launch. Remember `parameters.temp_location` on the Task.
 *
 * @example dataflowFlex('word-count-demo', { container_gcs_path: 'gs://my-flex-templates/spec.json', region: 'europe-west4' })
 */
export function dataflowFlex(
  name: string,
  options: Location & { container_gcs_path: string },
): DataflowTarget {
  const { container_gcs_path, ...location } = options;
  return { type: 'Dataflow', name, ...location, template: { kind: 'flex', container_gcs_path } };
}

/**
 * A Dataflow classic template job (`template_path` is the staged template).
 *
 * @example dataflowClassic('export', { template_path: 'gs://dataflow-templates/latest/Word_Count' })
 */
export function dataflowClassic(name: string, options: Location & { template_path: string }): DataflowTarget {
  const { template_path, ...location } = options;
  return { type: 'Dataflow', name, ...location, template: { kind: 'classic', template_path } };
}

/**
 * A Dataproc inline workflow template (REST `WorkflowTemplate` body).
 *
 * @example dataproc('daily-spark', { region: 'europe-west1', workflow: { placement: { clusterSelector: { clusterLabels: { env: 'prod' } } }, jobs: [] } })
 */
export function dataproc(name: string, options: Location & { workflow: JsonObject }): DataprocTarget {
  return { type: 'Dataproc', name, ...options };
}

/**
 * An HTTP endpoint. `mode: 'sync'` (default): the response is the completion; `'async'`: the
 * endpoint reports back through the callback it is given.
 *
 * @example http('https://api.example.com/jobs', { method: 'POST', auth: { type: 'oidc' } })
 */
export function http(
  url: string,
  options: Location & Pick<HttpTarget, 'method' | 'auth' | 'mode'> & { name?: string } = {},
): Unnamed<HttpTarget> {
  return { type: 'Http', url, ...options };
}

/**
 * A Pub/Sub topic. `mode: 'fire'` (default): publishing is the completion; `'callback'`: a
 * subscriber reports back.
 *
 * @example pubsub('ingest-requests', { mode: 'callback' })
 */
export function pubsub(
  topic: string,
  options: Pick<PubSubTarget, 'mode' | 'project_id'> & { name?: string } = {},
): Unnamed<PubSubTarget> {
  return { type: 'PubSub', topic, ...options };
}

/**
 * A BigQuery query job. The Task's `parameters` are the query's named parameters (`@date`).
 *
 * @example bigQuery('SELECT COUNT(*) AS n FROM `p.raw.events` WHERE day = @date', { destination_table: 'reports.daily', write_disposition: 'WRITE_TRUNCATE' })
 */
export function bigQuery(
  query: string,
  options: Location &
    Pick<BigQueryTarget, 'destination_table' | 'write_disposition' | 'location' | 'labels'> & {
      name?: string;
    } = {},
): Unnamed<BigQueryTarget> {
  return { type: 'BigQuery', query, ...options };
}

/**
 * A Cloud Run job, run to completion. The Task's `parameters` may override `args`, `env`,
 * `task_count` and `timeout_seconds` for this execution.
 *
 * @example cloudRunJob('export-report', { region: 'europe-west1' })
 */
export function cloudRunJob(
  name: string,
  options: Location & Pick<CloudRunJobTarget, 'container'> = {},
): CloudRunJobTarget {
  return { type: 'CloudRunJob', name, ...options };
}
