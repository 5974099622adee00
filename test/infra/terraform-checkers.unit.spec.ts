/**
 * The Terraform invariant checkers can fail: each one runs on a small bad module and must report
 * exactly what is wrong (and stay silent on the corrected module).
 */
import { describe, expect, it } from 'vitest';
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
  topLevelTerms,
} from './terraform-invariants.ts';
import { parseModule } from './terraform-model.ts';

const ENTRY_POINTS = ['firestepEngine', 'firestepEnginePush', 'firestepApi'] as const;
const mod = (hcl: string) => parseModule({ 'snippet.tf': hcl });
/** A Terraform interpolation, `${expr}` as HCL writes it. */
const tf = (expr: string) => `$${'{'}${expr}}`;

/** Two functions with their own accounts: the smallest module the sink checks make sense for. */
const FUNCTIONS = `
resource "google_service_account" "engine" { account_id = "engine" }
resource "google_service_account" "api" { account_id = "api" }
resource "google_cloudfunctions2_function" "engine" {
  name = "firestep-engine"
  service_config { service_account_email = google_service_account.engine.email }
}
resource "google_cloudfunctions2_function" "api" {
  name = "firestep-api"
  service_config { service_account_email = google_service_account.api.email }
}
resource "google_pubsub_topic" "signals" { name = "signals" }
`;

const EXCLUDE_BOTH = [
  'NOT resource.labels.function_name=\\"firestep-engine\\"',
  'NOT resource.labels.service_name=\\"firestep-engine\\"',
  'NOT resource.labels.function_name=\\"firestep-api\\"',
  'NOT resource.labels.service_name=\\"firestep-api\\"',
].join(' AND ');

const sink = (filter: string, extra = '') => `${FUNCTIONS}
resource "google_logging_project_sink" "s" {
  name = "s"
  destination = "pubsub.googleapis.com/\${google_pubsub_topic.signals.id}"
  filter = "${filter}"
  unique_writer_identity = true
  ${extra}
}
resource "google_pubsub_topic_iam_member" "w" {
  topic = google_pubsub_topic.signals.name
  role = "roles/pubsub.publisher"
  member = google_logging_project_sink.s.writer_identity
}
`;

describe('topLevelTerms', () => {
  it('given parentheses, quotes and interpolations, when split, then only top-level AND/OR separate terms', () => {
    const { terms, operators } = topLevelTerms(
      `a="x AND y" AND (b OR c) AND log_id("r OR s") AND ${tf('join(" AND ", v)')}\n AND NOT d="e"`,
    );
    expect(terms).toEqual([
      'a="x AND y"',
      '(b OR c)',
      'log_id("r OR s")',
      tf('join(" AND ", v)'),
      'NOT d="e"',
    ]);
    expect(operators).toEqual(['AND', 'AND', 'AND', 'AND']);
  });
});

describe('each checker fails on a bad module', () => {
  it('given a sink filter without any exclusion, then every missing term is reported', async () => {
    const problems = checkSinkFiltersExcludeOwnFunctions(
      await mod(sink('resource.type=\\"cloud_function\\"')),
    );
    expect(problems).toHaveLength(4);
    expect(problems).toContain(
      'google_logging_project_sink.s: filter lacks the top-level term NOT resource.labels.function_name="firestep-engine"',
    );
  });

  it('given a sink that excludes gen1 names but not gen2 service names, then the gen2 terms are reported', async () => {
    const filter =
      'resource.type=\\"x\\" AND NOT resource.labels.function_name=\\"firestep-engine\\" AND NOT resource.labels.function_name=\\"firestep-api\\"';
    const problems = checkSinkFiltersExcludeOwnFunctions(await mod(sink(filter)));
    expect(problems).toHaveLength(2);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('service_name="firestep-engine"'),
        expect.stringContaining('service_name="firestep-api"'),
      ]),
    );
  });

  it('given the exclusion hidden inside an OR group, then it does not count', async () => {
    const filter = `(resource.type=\\"x\\" OR ${EXCLUDE_BOTH})`;
    expect(checkSinkFiltersExcludeOwnFunctions(await mod(sink(filter)))).toHaveLength(4);
  });

  it('given a top-level OR next to the exclusion, then the ambiguity is reported', async () => {
    const filter = `resource.type=\\"x\\" OR resource.type=\\"y\\" AND ${EXCLUDE_BOTH}`;
    expect(checkSinkFiltersExcludeOwnFunctions(await mod(sink(filter)))).toEqual([
      expect.stringMatching(/top-level OR/),
    ]);
  });

  it('given a sink without a filter, then it is reported', async () => {
    const hcl = `${FUNCTIONS}\nresource "google_logging_project_sink" "all" { destination = "x" }`;
    expect(checkSinkFiltersExcludeOwnFunctions(await mod(hcl))).toEqual([
      expect.stringMatching(/has no filter/),
    ]);
  });

  it('given a correct exclusion built from locals, then nothing is reported (the resolver follows locals)', async () => {
    const hcl = `${sink(tf('local.f'))}
locals {
  name = "firestep-engine"
  f = "resource.type=\\"x\\" AND NOT resource.labels.function_name=\\"\${local.name}\\" AND NOT resource.labels.service_name=\\"\${local.name}\\" AND NOT resource.labels.function_name=\\"firestep-api\\" AND NOT resource.labels.service_name=\\"firestep-api\\""
}`;
    expect(checkSinkFiltersExcludeOwnFunctions(await mod(hcl))).toEqual([]);
  });

  it('given a push subscription without OIDC, retry or dead-letter policy, then each is reported', async () => {
    const hcl = `
resource "google_pubsub_subscription" "p" {
  topic = "t"
  push_config { push_endpoint = "https://example.com" }
}`;
    const problems = checkPushSubscriptions(await mod(hcl));
    expect(problems).toEqual([
      expect.stringMatching(/no oidc_token/),
      expect.stringMatching(/no dead_letter_policy/),
      expect.stringMatching(/no retry_policy/),
    ]);
  });

  it('given OIDC as an undeclared account and a dead-letter topic nobody may publish to, then both are reported', async () => {
    const hcl = `
resource "google_pubsub_topic" "dlq" { name = "dlq" }
resource "google_pubsub_subscription" "p" {
  topic = "t"
  push_config {
    push_endpoint = "https://example.com"
    oidc_token { service_account_email = "someone@example.com" }
  }
  retry_policy { minimum_backoff = "5s" }
  dead_letter_policy {
    dead_letter_topic = google_pubsub_topic.dlq.id
    max_delivery_attempts = 5
  }
}`;
    const problems = checkPushSubscriptions(await mod(hcl));
    expect(problems).toEqual([
      expect.stringMatching(/service_account_email must reference a google_service_account/),
      expect.stringMatching(/no audience/),
      expect.stringMatching(/service agent may not publish dead letters/),
      expect.stringMatching(/service agent may not acknowledge/),
    ]);
  });

  it('given primitive roles in values, then each is reported, but predefined roles and comments are not', async () => {
    const hcl = `
# roles/owner in a comment is fine
resource "google_project_iam_member" "a" { role = "roles/editor" }
resource "google_project_iam_member" "b" { role = "roles/dataproc.editor" }
locals { roles = ["roles/viewer", "roles/owner"] }`;
    const problems = checkNoPrimitiveRoles(await mod(hcl));
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).toMatch(/roles\/editor/);
    expect(problems.join('\n')).toMatch(/roles\/viewer/);
    expect(problems.join('\n')).toMatch(/roles\/owner/);
  });

  it('given functions on the default account, an undeclared account and a shared account, then each is reported', async () => {
    const hcl = `
resource "google_service_account" "shared" { account_id = "shared" }
resource "google_cloudfunctions2_function" "a" {
  service_config { available_memory = "256M" }
}
resource "google_cloudfunctions2_function" "b" {
  service_config { service_account_email = google_service_account.ghost.email }
}
resource "google_cloudfunctions2_function" "c" {
  service_config { service_account_email = google_service_account.shared.email }
}
resource "google_cloudfunctions2_function" "d" {
  service_config { service_account_email = google_service_account.shared.email }
}`;
    expect(checkFunctionServiceAccounts(await mod(hcl))).toEqual([
      expect.stringMatching(/\.a: service_config\.service_account_email must be/),
      expect.stringMatching(/\.b: service account google_service_account\.ghost is not declared/),
      expect.stringMatching(
        /\.d: shares google_service_account\.shared with google_cloudfunctions2_function\.c/,
      ),
    ]);
  });

  it('given a sink whose writer may not publish, or publishes elsewhere, or is shared, then each is reported', async () => {
    const missingGrant = (await mod(sink(EXCLUDE_BOTH))).resources;
    missingGrant.get('google_pubsub_topic_iam_member')?.clear();
    expect(checkSinkWritersMayPublish({ ...(await mod('')), resources: missingGrant })).toEqual([
      expect.stringMatching(
        /writer_identity is not granted roles\/pubsub\.publisher on google_pubsub_topic\.signals/,
      ),
    ]);

    const wrongTopic = `${sink(EXCLUDE_BOTH)}
resource "google_pubsub_topic" "other" { name = "other" }`.replace(
      'topic = google_pubsub_topic.signals.name',
      'topic = google_pubsub_topic.other.name',
    );
    expect(checkSinkWritersMayPublish(await mod(wrongTopic))).toEqual([expect.stringMatching(/not granted/)]);

    const shared = sink(EXCLUDE_BOTH).replace(
      'unique_writer_identity = true',
      'unique_writer_identity = false',
    );
    expect(checkSinkWritersMayPublish(await mod(shared))).toEqual([
      expect.stringMatching(/unique_writer_identity/),
    ]);
  });

  it('given indexes that differ between JSON and Terraform, then both directions are reported', async () => {
    const hcl = `
resource "google_firestore_index" "i" {
  collection = "executions"
  fields {
    field_path = "flowId"
    order = "ASCENDING"
  }
  fields {
    field_path = "startedAt"
    order = "ASCENDING"
  }
}`;
    const json = {
      indexes: [
        {
          collectionGroup: 'executions',
          queryScope: 'COLLECTION',
          fields: [
            { fieldPath: 'flowId', order: 'ASCENDING' },
            { fieldPath: 'startedAt', order: 'DESCENDING' },
          ],
        },
      ],
    };
    expect(checkIndexesMatch(await mod(hcl), json)).toEqual([
      'index executions|COLLECTION|flowId:ASCENDING,startedAt:DESCENDING is in firestore.indexes.json but not in Terraform',
      'index executions|COLLECTION|flowId:ASCENDING,startedAt:ASCENDING is in Terraform but not in firestore.indexes.json',
    ]);
  });

  it('given references to undeclared variables, locals, data sources and resources, then each is reported', async () => {
    const hcl = `
variable "known" {}
locals { ok = var.known }
resource "google_service_account" "real" { account_id = "x" }
resource "google_pubsub_topic" "t" {
  name = "\${var.nope}-\${local.ok}-\${local.missing}"
  labels = { a = google_service_account.ghost.email, b = google_service_account.real.email }
  project = data.google_project.absent.project_id
}`;
    expect(checkReferencesDeclared(await mod(hcl)).sort()).toEqual([
      'snippet.tf: data.google_project.absent is not declared',
      'snippet.tf: google_service_account.ghost is not declared',
      'snippet.tf: local.missing is not defined',
      'snippet.tf: var.nope is not declared',
    ]);
  });

  it('given an environment variable firestep does not read, then it is reported', () => {
    expect(checkEnvironmentKnown(['FIRESTEP_API_URL', 'FIRESTEP_API_ULR'], ['FIRESTEP_API_URL'])).toEqual([
      'environment variable FIRESTEP_API_ULR is not read by firestep',
    ]);
  });

  it('given a wrong runtime, a missing entry point and no Eventarc trigger, then each is reported', async () => {
    const hcl = `
resource "google_cloudfunctions2_function" "e" {
  build_config {
    runtime = "nodejs18"
    entry_point = "firestepEngine"
  }
}`;
    const m = await mod(hcl);
    expect(checkFunctionEntryPoints(m, ENTRY_POINTS)).toEqual([
      expect.stringMatching(/runtime must be nodejs20/),
      expect.stringMatching(/no function with entry point firestepEnginePush, firestepApi/),
    ]);
    expect(checkDataflowEventTrigger(m)).toHaveLength(1);
  });
});
