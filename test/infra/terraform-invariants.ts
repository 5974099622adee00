/**
 * The invariants firestep's Terraform must hold, as functions from a parsed module to a list of
 * violations (empty = holds). Each message names the resource and what is wrong, so a failing test
 * says what to fix.
 */
import {
  allStrings,
  asReference,
  type Block,
  nested,
  resolveLocals,
  resourcesOf,
  type TerraformModule,
} from './terraform-model.ts';

const normalize = (s: string) => s.replace(/\s+/g, ' ').trim();

/**
 * Split a Cloud Logging filter into its top-level terms joined by `AND` or `OR`, ignoring what is
 * inside parentheses, quotes and `${…}` interpolations.
 */
export function topLevelTerms(filter: string): { terms: string[]; operators: Array<'AND' | 'OR'> } {
  const text = normalize(filter);
  const terms: string[] = [];
  const operators: Array<'AND' | 'OR'> = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === '(' || c === '{') depth++;
    else if (c === ')' || c === '}') depth--;
    else if (depth === 0 && c === ' ') {
      const op = /^ (AND|OR) /.exec(text.slice(i, i + 5));
      if (op?.[1] === 'AND' || op?.[1] === 'OR') {
        terms.push(text.slice(start, i).trim());
        operators.push(op[1]);
        i += op[1].length + 1;
        start = i + 1;
      }
    }
  }
  terms.push(text.slice(start).trim());
  return { terms, operators };
}

/** Resolved names of every gen2 function the module deploys (what the sinks must exclude). */
export function ownFunctionNames(m: TerraformModule): string[] {
  return resourcesOf(m, 'google_cloudfunctions2_function').map(([, fn]) => resolveLocals(m, String(fn.name)));
}

/** Every log sink filter excludes every function of this module, by gen1 and gen2 label, as a top-level AND term. */
export function checkSinkFiltersExcludeOwnFunctions(m: TerraformModule): string[] {
  const problems: string[] = [];
  const names = ownFunctionNames(m);
  if (names.length === 0)
    problems.push('no google_cloudfunctions2_function in the module: nothing to exclude?');
  for (const [name, sink] of resourcesOf(m, 'google_logging_project_sink')) {
    const id = `google_logging_project_sink.${name}`;
    if (typeof sink.filter !== 'string' || sink.filter.trim() === '') {
      problems.push(`${id}: has no filter (it would export every log entry, the engine's own included)`);
      continue;
    }
    const { terms, operators } = topLevelTerms(resolveLocals(m, sink.filter));
    if (operators.includes('OR')) {
      problems.push(
        `${id}: filter has a top-level OR; parenthesize it so the exclusion applies to every entry`,
      );
    }
    for (const fn of names) {
      for (const label of ['function_name', 'service_name']) {
        const clause = `NOT resource.labels.${label}="${fn}"`;
        if (!terms.includes(clause)) problems.push(`${id}: filter lacks the top-level term ${clause}`);
      }
    }
  }
  return problems;
}

function referencesDeclared(m: TerraformModule, value: unknown, type: string): string | undefined {
  const ref = asReference(value);
  if (!ref || ref.type !== type) return undefined;
  return m.resources.get(type)?.has(ref.name) ? ref.name : undefined;
}

/** Every push subscription authenticates with OIDC as a module-declared account and dead-letters. */
export function checkPushSubscriptions(m: TerraformModule): string[] {
  const problems: string[] = [];
  const subscriptions = resourcesOf(m, 'google_pubsub_subscription');
  for (const [name, sub] of subscriptions) {
    const push = nested(sub, 'push_config');
    if (!push) continue;
    const id = `google_pubsub_subscription.${name}`;
    const oidc = nested(push, 'oidc_token');
    if (!oidc) problems.push(`${id}: push_config has no oidc_token (pushes would be unauthenticated)`);
    else {
      if (!referencesDeclared(m, oidc.service_account_email, 'google_service_account')) {
        problems.push(
          `${id}: oidc_token.service_account_email must reference a google_service_account of this module`,
        );
      }
      if (!oidc.audience) problems.push(`${id}: oidc_token has no audience`);
    }
    const dlq = nested(sub, 'dead_letter_policy');
    const dlqTopic = dlq && referencesDeclared(m, dlq.dead_letter_topic, 'google_pubsub_topic');
    if (!dlq) problems.push(`${id}: has no dead_letter_policy (a poison signal would be retried forever)`);
    else if (!dlqTopic)
      problems.push(
        `${id}: dead_letter_policy.dead_letter_topic must reference a google_pubsub_topic of this module`,
      );
    else problems.push(...checkDeadLetterGrants(m, name, dlqTopic));
    if (dlq && dlq.max_delivery_attempts === undefined)
      problems.push(`${id}: dead_letter_policy has no max_delivery_attempts`);
    if (!nested(sub, 'retry_policy'))
      problems.push(`${id}: has no retry_policy (redelivery would be immediate)`);
  }
  return problems;
}

const isPubsubAgent = (m: TerraformModule, member: unknown) =>
  typeof member === 'string' && resolveLocals(m, member).includes('@gcp-sa-pubsub.iam.gserviceaccount.com');

function checkDeadLetterGrants(m: TerraformModule, subscription: string, topic: string): string[] {
  const problems: string[] = [];
  const publishes = resourcesOf(m, 'google_pubsub_topic_iam_member').some(
    ([, g]) =>
      g.role === 'roles/pubsub.publisher' &&
      asReference(g.topic)?.name === topic &&
      asReference(g.topic)?.type === 'google_pubsub_topic' &&
      isPubsubAgent(m, g.member),
  );
  if (!publishes)
    problems.push(
      `google_pubsub_topic.${topic}: the Pub/Sub service agent may not publish dead letters to it`,
    );
  const acks = resourcesOf(m, 'google_pubsub_subscription_iam_member').some(
    ([, g]) =>
      g.role === 'roles/pubsub.subscriber' &&
      asReference(g.subscription)?.name === subscription &&
      isPubsubAgent(m, g.member),
  );
  if (!acks) {
    problems.push(
      `google_pubsub_subscription.${subscription}: the Pub/Sub service agent may not acknowledge forwarded dead letters`,
    );
  }
  return problems;
}

const PRIMITIVE_ROLE = /roles\/(owner|editor|viewer)(?![\w.])/;

/** No primitive role appears in any value of any file (comments do not count). */
export function checkNoPrimitiveRoles(m: TerraformModule): string[] {
  const problems: string[] = [];
  for (const [file, json] of Object.entries(m.parsed)) {
    for (const s of allStrings(json)) {
      const hit = PRIMITIVE_ROLE.exec(s);
      if (hit)
        problems.push(`${file}: primitive role ${hit[0]} (grant a predefined role on the resource instead)`);
    }
  }
  return problems;
}

/** Every function runs as its own service account, declared in this module. */
export function checkFunctionServiceAccounts(m: TerraformModule): string[] {
  const problems: string[] = [];
  const owners = new Map<string, string>();
  for (const [name, fn] of resourcesOf(m, 'google_cloudfunctions2_function')) {
    const id = `google_cloudfunctions2_function.${name}`;
    const email = nested(fn, 'service_config')?.service_account_email;
    const ref = asReference(email);
    if (ref?.type !== 'google_service_account' || ref.attribute !== 'email') {
      problems.push(
        `${id}: service_config.service_account_email must be google_service_account.<name>.email (not the default compute account)`,
      );
      continue;
    }
    if (!m.resources.get('google_service_account')?.has(ref.name)) {
      problems.push(
        `${id}: service account google_service_account.${ref.name} is not declared in this module`,
      );
      continue;
    }
    const other = owners.get(ref.name);
    if (other) problems.push(`${id}: shares google_service_account.${ref.name} with ${other}`);
    else owners.set(ref.name, id);
  }
  return problems;
}

/** Every sink writes with its own identity, and that identity may publish to the sink's topic. */
export function checkSinkWritersMayPublish(m: TerraformModule): string[] {
  const problems: string[] = [];
  const grants = resourcesOf(m, 'google_pubsub_topic_iam_member').map(([, g]) => g);
  for (const [name, sink] of resourcesOf(m, 'google_logging_project_sink')) {
    const id = `google_logging_project_sink.${name}`;
    if (sink.unique_writer_identity !== true) problems.push(`${id}: unique_writer_identity must be true`);
    const destination = resolveLocals(m, String(sink.destination ?? ''));
    const topic = /^pubsub\.googleapis\.com\/\$\{google_pubsub_topic\.([A-Za-z0-9_-]+)\.id\}$/.exec(
      destination,
    )?.[1];
    if (!topic) {
      problems.push(`${id}: destination must be pubsub.googleapis.com/\${google_pubsub_topic.<name>.id}`);
      continue;
    }
    const granted = grants.some(
      (g) =>
        g.role === 'roles/pubsub.publisher' &&
        g.member === `\${google_logging_project_sink.${name}.writer_identity}` &&
        asReference(g.topic)?.type === 'google_pubsub_topic' &&
        asReference(g.topic)?.name === topic,
    );
    if (!granted)
      problems.push(
        `${id}: its writer_identity is not granted roles/pubsub.publisher on google_pubsub_topic.${topic}`,
      );
  }
  return problems;
}

/** A composite index as `collection|scope|field:order,…`, comparable between JSON and HCL. */
type IndexKey = string;

interface IndexesJson {
  indexes?: Array<{
    collectionGroup: string;
    queryScope?: string;
    fields: Array<{ fieldPath: string; order?: string; arrayConfig?: string }>;
  }>;
}

const indexKey = (collection: string, scope: string | undefined, fields: Array<[string, string]>): IndexKey =>
  `${collection}|${scope ?? 'COLLECTION'}|${fields.map(([p, o]) => `${p}:${o}`).join(',')}`;

/** firestore.indexes.json and the google_firestore_index resources describe the same indexes. */
export function checkIndexesMatch(m: TerraformModule, indexesJson: IndexesJson): string[] {
  const fromJson = new Set(
    (indexesJson.indexes ?? []).map((i) =>
      indexKey(
        i.collectionGroup,
        i.queryScope,
        i.fields.map((f) => [f.fieldPath, f.order ?? f.arrayConfig ?? '?']),
      ),
    ),
  );
  const fromHcl = new Set(
    resourcesOf(m, 'google_firestore_index').map(([, idx]) =>
      indexKey(
        String(idx.collection),
        idx.query_scope as string | undefined,
        ((idx.fields as Block[] | undefined) ?? []).map((f) => [
          String(f.field_path),
          String(f.order ?? f.array_config ?? '?'),
        ]),
      ),
    ),
  );
  const problems: string[] = [];
  for (const k of fromJson)
    if (!fromHcl.has(k)) problems.push(`index ${k} is in firestore.indexes.json but not in Terraform`);
  for (const k of fromHcl)
    if (!fromJson.has(k)) problems.push(`index ${k} is in Terraform but not in firestore.indexes.json`);
  return problems;
}

/** The functions are gen2 Node.js 20 with the entry points the repository registers. */
export function checkFunctionEntryPoints(m: TerraformModule, expected: readonly string[]): string[] {
  const problems: string[] = [];
  const seen: string[] = [];
  for (const [name, fn] of resourcesOf(m, 'google_cloudfunctions2_function')) {
    const build = nested(fn, 'build_config');
    if (build?.runtime !== 'nodejs20')
      problems.push(`google_cloudfunctions2_function.${name}: runtime must be nodejs20`);
    seen.push(String(build?.entry_point));
  }
  const missing = expected.filter((e) => !seen.includes(e));
  const unknown = seen.filter((s) => !expected.includes(s));
  if (missing.length) problems.push(`no function with entry point ${missing.join(', ')}`);
  if (unknown.length) problems.push(`unknown entry point ${unknown.join(', ')}`);
  return problems;
}

/** The engine's CloudEvent function is triggered by Dataflow job status changes. */
export function checkDataflowEventTrigger(m: TerraformModule): string[] {
  const triggered = resourcesOf(m, 'google_cloudfunctions2_function').some(([, fn]) => {
    const trigger = nested(fn, 'event_trigger');
    return (
      trigger?.event_type === 'google.cloud.dataflow.job.v1beta3.statusChanged' &&
      nested(fn, 'build_config')?.entry_point === 'firestepEngine' &&
      asReference(trigger.service_account_email)?.type === 'google_service_account'
    );
  });
  return triggered
    ? []
    : [
        'no Eventarc trigger for google.cloud.dataflow.job.v1beta3.statusChanged on firestepEngine with a dedicated service account',
      ];
}

/**
 * Names of the environment variables the module gives the functions: the keys written in
 * `local.function_environment` (hcl2json keeps that `merge(...)` as raw text) plus each function's
 * `secret_environment_variables`.
 */
export function functionEnvironmentKeys(m: TerraformModule): string[] {
  const raw = String(m.locals.function_environment ?? '');
  const keys = new Set([...raw.matchAll(/^\s*([A-Z][A-Z0-9_]*)\s*=/gm)].map((match) => match[1] as string));
  for (const [, fn] of resourcesOf(m, 'google_cloudfunctions2_function')) {
    const secrets = nested(fn, 'service_config')?.secret_environment_variables as Block[] | undefined;
    for (const s of secrets ?? []) keys.add(String(s.key));
  }
  return [...keys].sort();
}

/** Every variable the module sets is one firestep reads (a typo would be silently ignored). */
export function checkEnvironmentKnown(keys: readonly string[], known: readonly string[]): string[] {
  return keys
    .filter((k) => !known.includes(k))
    .map((k) => `environment variable ${k} is not read by firestep`);
}

/**
 * Every `var.…`, `local.…`, `data.…` and resource reference inside an expression names something the
 * module declares (what `terraform validate` would catch first; there is no terraform binary here).
 */
export function checkReferencesDeclared(m: TerraformModule): string[] {
  const variables = new Set<string>();
  for (const json of Object.values(m.parsed)) {
    for (const name of Object.keys((json.variable ?? {}) as object)) variables.add(name);
  }
  const problems = new Set<string>();
  for (const [file, json] of Object.entries(m.parsed)) {
    for (const text of allStrings(json).filter((s) => s.includes('${'))) {
      for (const [, name] of text.matchAll(/(?<![\w.])var\.([A-Za-z0-9_]+)/g)) {
        if (name && !variables.has(name)) problems.add(`${file}: var.${name} is not declared`);
      }
      for (const [, name] of text.matchAll(/(?<![\w.])local\.([A-Za-z0-9_]+)/g)) {
        if (name && !(name in m.locals)) problems.add(`${file}: local.${name} is not defined`);
      }
      for (const [, type, name] of text.matchAll(/(?<![\w.])data\.([a-z0-9_]+)\.([A-Za-z0-9_-]+)/g)) {
        if (type && name && !m.data.get(type)?.has(name))
          problems.add(`${file}: data.${type}.${name} is not declared`);
      }
      for (const [, type, name] of text.matchAll(
        /(?<![\w.])((?:google|random)_[a-z0-9_]+)\.([A-Za-z0-9_-]+)/g,
      )) {
        if (type && name && !m.resources.get(type)?.has(name))
          problems.add(`${file}: ${type}.${name} is not declared`);
      }
    }
  }
  return [...problems];
}
