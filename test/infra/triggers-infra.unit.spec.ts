/**
 * Static checks of infra/triggers.tf: every trigger of a deployed flow becomes a Cloud Scheduler job,
 * an Eventarc trigger or a push subscription that calls the API's trigger route for that flow and
 * trigger index, signed with the triggers service account the API checks.
 */
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { defineFlow, end, gcsTrigger, pubsubTrigger, scheduleTrigger } from '../../engine/flow/index.ts';
import { triggerManifest } from '../../scripts/build-functions.ts';
import { functionEnvironmentKeys } from './terraform-invariants.ts';
import { type Block, loadModuleDir, nested, resolveLocals, type TerraformModule } from './terraform-model.ts';

const INFRA = resolve(import.meta.dirname, '../../infra');
const tf = (expr: string) => `$${'{'}${expr}}`;
const TRIGGERS_SA = tf('google_service_account.triggers.email');
const ROUTE = (kind: string) =>
  `${tf('local.api_url')}/v1/flows/${tf('each.value.flow_id')}/triggers/${tf('each.value.index')}:${kind}`;

let m: TerraformModule;
const resource = (type: string, name: string): Block | undefined => m.resources.get(type)?.get(name);

beforeAll(async () => {
  m = await loadModuleDir(INFRA);
});

describe('infra/triggers.tf', () => {
  it('given the manifest, then each schedule is a scheduler job calling its :schedule route with OIDC', () => {
    const job = resource('google_cloud_scheduler_job', 'flow_schedule');
    expect(job?.for_each).toBe(tf('local.schedule_triggers'));
    expect(job?.schedule).toBe(tf('each.value.schedule'));
    expect(job?.time_zone).toBe(tf('each.value.time_zone'));
    const target = nested(job, 'http_target');
    expect(target?.uri).toBe(ROUTE('schedule'));
    expect(nested(target, 'oidc_token')).toMatchObject({
      service_account_email: TRIGGERS_SA,
      audience: tf('local.api_url'),
    });
  });

  it('then each storage trigger is an Eventarc finalized trigger to the API :gcs route', () => {
    const trigger = resource('google_eventarc_trigger', 'flow_object_finalized');
    expect(trigger?.for_each).toBe(tf('local.gcs_triggers'));
    expect(trigger?.service_account).toBe(TRIGGERS_SA);
    expect(trigger?.matching_criteria).toEqual(
      expect.arrayContaining([
        { attribute: 'type', value: 'google.cloud.storage.object.v1.finalized' },
        { attribute: 'bucket', value: tf('each.value.bucket') },
      ]),
    );
    const run = nested(nested(trigger, 'destination'), 'cloud_run_service');
    expect(run?.service).toBe(tf('google_cloudfunctions2_function.api.service_config[0].service'));
    expect(run?.path).toBe(`/v1/flows/${tf('each.value.flow_id')}/triggers/${tf('each.value.index')}:gcs`);
  });

  it('then each Pub/Sub trigger is a push subscription on its topic to the :pubsub route with OIDC', () => {
    const sub = resource('google_pubsub_subscription', 'flow_trigger');
    expect(sub?.for_each).toBe(tf('local.pubsub_triggers'));
    expect(sub?.topic).toBe(`projects/${tf('var.project_id')}/topics/${tf('each.value.topic')}`);
    const push = nested(sub, 'push_config');
    expect(push?.push_endpoint).toBe(ROUTE('pubsub'));
    expect(nested(push, 'oidc_token')).toMatchObject({ service_account_email: TRIGGERS_SA });
  });

  it('then every function that dispatches the outbox may publish to each topic a notify rule names', () => {
    const grant = resource('google_pubsub_topic_iam_member', 'dispatchers_publish_notifications');
    expect(grant).toMatchObject({
      for_each: tf('local.notify_publishers'),
      topic: tf('each.value.topic'),
      role: 'roles/pubsub.publisher',
      member: tf('each.value.member'),
    });
    const publishers = resolveLocals(m, tf('local.notify_publishers'));
    expect(publishers).toContain('local.notify_topics');
    expect(publishers).toContain('local.dispatchers');
    expect(resolveLocals(m, tf('local.notify_topics'))).toContain('t.kind == "notify"');
  });

  it('then the triggers account may invoke the API, and the API is told which account to trust', () => {
    expect(resource('google_cloud_run_v2_service_iam_member', 'triggers_invoke_api')).toMatchObject({
      role: 'roles/run.invoker',
      name: tf('google_cloudfunctions2_function.api.name'),
      member: `serviceAccount:${TRIGGERS_SA}`,
    });
    expect(functionEnvironmentKeys(m)).toContain('FIRESTEP_TRIGGERS_SERVICE_ACCOUNT');
    expect(resolveLocals(m, tf('local.trigger_manifest_file'))).toContain('/triggers.json');
  });
});

describe('the trigger manifest (npm run build:functions → triggers.json)', () => {
  it('given flows with triggers, then one row per trigger with what Terraform reads', () => {
    const def = defineFlow({
      id: 'nightly',
      start: 'Done',
      steps: { Done: end() },
      triggers: [
        scheduleTrigger('0 2 * * *', { time_zone: 'Europe/Amsterdam' }),
        gcsTrigger('acme-landing', { prefix: 'orders/' }),
        pubsubTrigger('orders-ready'),
      ],
    });
    expect(triggerManifest([def])).toEqual([
      {
        key: 'nightly-0',
        flow_id: 'nightly',
        index: 0,
        kind: 'schedule',
        schedule: '0 2 * * *',
        time_zone: 'Europe/Amsterdam',
      },
      { key: 'nightly-1', flow_id: 'nightly', index: 1, kind: 'gcs', bucket: 'acme-landing' },
      { key: 'nightly-2', flow_id: 'nightly', index: 2, kind: 'pubsub', topic: 'orders-ready' },
    ]);
  });

  it('given notify rules, then one notify row per Pub/Sub rule (webhooks need no grant)', () => {
    const def = defineFlow({
      id: 'alerting',
      start: 'Done',
      steps: { Done: end() },
      notify: [
        { on: ['FAILED'], webhook: 'https://hooks.example/x' },
        { on: ['FAILED', 'TIMED_OUT'], pubsub: 'alerts' },
      ],
    });
    expect(triggerManifest([def])).toEqual([
      { key: 'alerting-notify-1', flow_id: 'alerting', index: 1, kind: 'notify', topic: 'alerts' },
    ]);
  });
});
