/**
 * Static checks of infra/*.tf (there is no terraform binary here): the module is parsed with
 * @cdktf/hcl2json and held to firestep's invariants. terraform-checkers.unit.spec.ts proves each
 * checker can fail.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from '@cdktf/hcl2json';
import { beforeAll, describe, expect, it } from 'vitest';
import { TTL_COLLECTION_GROUPS } from '../../engine/store/retention.ts';
import { pushAuthConfigFromEnv } from '../../functions/engine/push-auth.ts';
import { loadRuntimeConfig, RUNTIME_ENV_VARIABLES } from '../../runtime/config.ts';
import {
  checkDataflowEventTrigger,
  checkEnvironmentKnown,
  checkFunctionEntryPoints,
  checkFunctionServiceAccounts,
  checkIndexesMatch,
  checkNoPrimitiveRoles,
  checkPushSubscriptions,
  checkReferencesDeclared,
  checkSinkFiltersExcludeOwnFunctions,
  checkSinkWritersMayPublish,
  functionEnvironmentKeys,
  ownFunctionNames,
} from './terraform-invariants.ts';
import { loadModuleDir, resolveLocals, type TerraformModule, variableDefaults } from './terraform-model.ts';

const INFRA = resolve(import.meta.dirname, '../../infra');
const ENTRY_POINTS = ['firestepEngine', 'firestepEnginePush', 'firestepApi'] as const;
const indexesJson = JSON.parse(readFileSync(resolve(INFRA, 'firestore.indexes.json'), 'utf8'));

/** Values shaped like what Terraform passes, for the variables whose format the runtime checks. */
const SAMPLE_VALUES: Record<string, string> = {
  FIRESTEP_API_URL: 'https://europe-west1-acme.cloudfunctions.net/firestep-api',
  FIRESTEP_CALLBACK_SECRET: 'a-48-character-random-secret-from-secret-manager',
  FIRESTEP_LAUNCH_MODE: 'task',
  FIRESTEP_AUTH: 'enforce',
};

/** A Terraform interpolation, `${expr}` as HCL writes it. */
const tf = (expr: string) => `$${'{'}${expr}}`;

describe('the firestep module (infra/*.tf)', () => {
  let m: TerraformModule;
  beforeAll(async () => {
    m = await loadModuleDir(INFRA);
  });

  it('given every .tf file, when parsed, then the module has the expected resources', () => {
    expect(m.resources.get('google_logging_project_sink')?.size).toBe(5);
    expect(m.resources.get('google_cloudfunctions2_function')?.size).toBe(3);
    expect(m.resources.get('google_pubsub_subscription')?.has('engine_push')).toBe(true);
    expect(m.resources.get('google_cloud_tasks_queue')?.size).toBe(1);
    expect(m.resources.get('google_firestore_database')?.size).toBe(1);
    expect(m.resources.get('google_cloud_scheduler_job')?.has('sweep')).toBe(true);
    expect(m.resources.get('google_secret_manager_secret')?.has('callback')).toBe(true);
  });

  it('then the TTL policy (expireAt, ttl_config) covers the head and every collection the engine stamps (per-execution, correlations, chunks, dead letters)', () => {
    const ttl = m.resources.get('google_firestore_field')?.get('ttl');
    expect(ttl?.field).toBe('expireAt');
    expect(ttl?.ttl_config).toBeDefined();
    expect(String(ttl?.for_each)).toContain('var.ttl_collection_groups');
    const groups = variableDefaults(m).ttl_collection_groups as string[];
    const missing = TTL_COLLECTION_GROUPS.filter((c) => !groups.includes(c));
    expect(missing).toEqual([]);
  });

  it('then the released Firestore ruleset is infra/firestore.rules itself', () => {
    const ruleset = m.resources.get('google_firebaserules_ruleset')?.get('firestore');
    const file = (ruleset?.source as Array<{ files: Array<{ content: string }> }> | undefined)?.[0]?.files[0];
    expect(file?.content).toBe(tf(`file("${tf('path.module')}/firestore.rules")`));
  });

  it('then every log sink filter excludes the engine, its push entry point and the API (gen1 and gen2 labels)', () => {
    expect(ownFunctionNames(m)).toEqual(
      expect.arrayContaining([
        tf('var.engine_function_name'),
        `${tf('var.engine_function_name')}-push`,
        tf('var.api_function_name'),
      ]),
    );
    expect(checkSinkFiltersExcludeOwnFunctions(m)).toEqual([]);
  });

  it('then the sink filters select the completion signals of DESIGN.md §7', () => {
    const filters = (['gen1_functions', 'gen2_requests', 'dataflow_jobs'] as const).map((k) =>
      resolveLocals(m, `\${local.sink_filters.${k}}`),
    );
    expect(filters[0]).toContain('resource.type="cloud_function"');
    expect(filters[0]).toContain('textPayload:"Function execution took"');
    expect(filters[1]).toContain('log_id("run.googleapis.com/requests")');
    expect(filters[1]).toContain('resource.type="cloud_run_revision"');
    expect(filters[2]).toContain('resource.type="dataflow_step"');
    for (const line of [
      'Worker pool stopped.',
      'Workflow failed',
      'Error occurred in the launcher container',
    ]) {
      expect(filters[2]).toContain(`textPayload:"${line}"`);
    }
  });

  it('then every push subscription has OIDC, a retry policy and a dead-letter policy the service agent can use', () => {
    expect(checkPushSubscriptions(m)).toEqual([]);
  });

  it('then no primitive role appears anywhere', () => {
    expect(checkNoPrimitiveRoles(m)).toEqual([]);
  });

  it('then every function runs as a dedicated service account declared in the module', () => {
    expect(checkFunctionServiceAccounts(m)).toEqual([]);
  });

  it('then every sink writer identity may publish to the signal topic', () => {
    expect(checkSinkWritersMayPublish(m)).toEqual([]);
  });

  it('then the Terraform indexes match infra/firestore.indexes.json', () => {
    expect(indexesJson.indexes.length).toBeGreaterThanOrEqual(3);
    expect(checkIndexesMatch(m, indexesJson)).toEqual([]);
  });

  it('then the functions are nodejs20 with the three registered entry points, and Eventarc feeds the engine', () => {
    expect(checkFunctionEntryPoints(m, ENTRY_POINTS)).toEqual([]);
    expect(checkDataflowEventTrigger(m)).toEqual([]);
  });

  it('then the functions get every variable the runtime requires, and only variables firestep reads', () => {
    const keys = functionEnvironmentKeys(m);
    const known = [
      ...RUNTIME_ENV_VARIABLES,
      'FIRESTEP_AUTH',
      'FIRESTEP_PUSH_AUDIENCE',
      'FIRESTEP_PUSH_SERVICE_ACCOUNT',
      'FIRESTEP_LOG',
      'NODE_OPTIONS',
    ];
    expect(checkEnvironmentKnown(keys, known)).toEqual([]);
    const sample: Record<string, string> = Object.fromEntries(
      keys.map((k) => [k, SAMPLE_VALUES[k] ?? 'set-by-terraform']),
    );
    expect(() => loadRuntimeConfig(sample)).not.toThrow();
    expect(pushAuthConfigFromEnv(sample).mode).toBe('enforce');
  });

  it('then every var, local, data source and resource an expression names is declared', () => {
    expect(checkReferencesDeclared(m)).toEqual([]);
  });

  it('then terraform.tfvars.example parses, sets only declared variables and grants no primitive role', async () => {
    const text = readFileSync(resolve(INFRA, 'terraform.tfvars.example'), 'utf8');
    const example = await parse('terraform.tfvars', text);
    expect(example.project_id).toBeTypeOf('string');
    const declared = Object.values(m.parsed).flatMap((json) => Object.keys((json.variable ?? {}) as object));
    expect(Object.keys(example).filter((k) => !declared.includes(k))).toEqual([]);
    expect(checkNoPrimitiveRoles({ ...m, parsed: { 'terraform.tfvars.example': example } })).toEqual([]);
  });
});

describe('issue 20 grants and triggers (infra/data-platform.tf), least privilege', () => {
  let m: TerraformModule;
  beforeAll(async () => {
    m = await loadModuleDir(INFRA);
  });
  const body = (type: string, name: string) =>
    m.resources.get(type)?.get(name) as Record<string, unknown> | undefined;

  it('then BigQuery: jobUser on the project only when datasets are listed, dataEditor per listed dataset', () => {
    expect(body('google_project_iam_member', 'dispatcher_bigquery_job_user')).toMatchObject({
      role: 'roles/bigquery.jobUser',
      for_each: tf('length(var.bigquery_datasets) > 0 ? local.dispatchers : {}'),
    });
    expect(body('google_bigquery_dataset_iam_member', 'dispatcher_edits_dataset')).toMatchObject({
      role: 'roles/bigquery.dataEditor',
      for_each: tf('local.bigquery_grants'),
    });
  });

  it('then Cloud Run and Cloud Storage are granted per job and per bucket, never project-wide', () => {
    expect(body('google_cloud_run_v2_job_iam_member', 'dispatcher_runs_job')).toMatchObject({
      role: 'roles/run.jobsExecutorWithOverrides',
      for_each: tf('local.run_job_grants'),
    });
    expect(body('google_storage_bucket_iam_member', 'dispatcher_reads_watched_bucket')).toMatchObject({
      role: 'roles/storage.objectViewer',
    });
    const projectRoles = [...(m.resources.get('google_project_iam_member')?.values() ?? [])].map(
      (r) => (r as { role?: string }).role ?? '',
    );
    expect(projectRoles.filter((r) => /^roles\/(run|storage)\./.test(r))).toEqual([]);
  });

  it('then each watched bucket has an Eventarc finalized trigger to the engine, as the Eventarc identity', () => {
    const trigger = body('google_eventarc_trigger', 'object_finalized');
    expect(trigger).toMatchObject({
      for_each: tf('toset(var.watched_buckets)'),
      service_account: tf('google_service_account.eventarc.email'),
    });
    expect(JSON.stringify(trigger)).toContain('google.cloud.storage.object.v1.finalized');
    expect(JSON.stringify(trigger)).toContain(
      'google_cloudfunctions2_function.engine.service_config[0].service',
    );
  });
});
